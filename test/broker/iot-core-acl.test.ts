// The IoT Core ACL matrix through real clients: every identity × topic × publish/subscribe cell
// is observed the way a client sees it (delivery, disconnect, SUBACK 0x80, CONNACK refusal).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { startBroker, type RunningBroker } from '../../tools/broker/index.ts';
import { OPERATOR, ROSTER, as } from './fixtures.ts';
import { eventLog, grantedQos, open, openOrThrow, publishOutcome, record, unique, type Recorder } from './helpers.ts';

const TOPICS = [
  '$devices/A/events',
  '$devices/A/events/reply',
  '$devices/A/state',
  '$devices/A/commands',
  '$devices/A/config/sub',
  '$devices/B/events',
  '$devices/B/commands',
  '$devices/C/events',
  '$devices/C/commands',
  '$registries/R/events',
  '$registries/R/state',
  '$registries/R/commands',
  '$registries/R/config',
  '$registries/R2/events',
  '$registries/R2/commands',
  'DATA/aabbccddeeff',
  '$monitoring/A/json',
];

// Written out by hand from DESIGN.md rather than derived from the implementation.
const ALLOWED: Record<'A' | 'B' | 'R', { publish: string[]; subscribe: string[] }> = {
  A: {
    publish: ['$devices/A/events', '$devices/A/events/reply', '$devices/A/state', '$registries/R/events', '$registries/R/state'],
    subscribe: ['$devices/A/commands', '$devices/A/config/sub', '$registries/R/commands', '$registries/R/config'],
  },
  B: {
    publish: ['$devices/B/events', '$registries/R/events', '$registries/R/state'],
    subscribe: ['$devices/B/commands', '$registries/R/commands', '$registries/R/config'],
  },
  R: {
    publish: ['$devices/A/commands', '$devices/A/config/sub', '$devices/B/commands', '$registries/R/commands', '$registries/R/config'],
    subscribe: ['$devices/A/events', '$devices/A/events/reply', '$devices/A/state', '$devices/B/events', '$registries/R/events', '$registries/R/state'],
  },
};

type Who = keyof typeof ALLOWED | 'anonymous';
type Outcome = 'delivered' | 'refused: disconnected' | 'refused: SUBACK 0x80' | 'refused: CONNACK 5' | string;

const log = eventLog();
let broker: RunningBroker;
let operator: MqttClient;
let seen: Recorder;

before(async () => {
  // Topic rules only: the matrix publishes faster than IoT Core's 1 msg/s (iot-core-limits.test.ts covers that).
  broker = await startBroker({ port: 0, iotCore: { ...ROSTER, rateLimit: false }, users: [OPERATOR], onEvent: log.onEvent });
  operator = await openOrThrow(broker.url, { ...OPERATOR, clientId: 'operator' });
  seen = record(operator);
  await operator.subscribeAsync(['$devices/#', '$registries/#', 'DATA/#', '$monitoring/#'], { qos: 1 });
});
after(() => broker.close());

const credentials = (who: Who): { username?: string; password?: string } => (who === 'anonymous' ? {} : as(who));

/** A refusal counts only when the broker also reported it, with a rule, for this very client and topic. */
function reported(clientId: string, action: 'publish' | 'subscribe', topic: string): boolean {
  return log.refusals().some((e) => e.clientId === clientId && e.action === action && e.topic === topic && e.rule.length > 10);
}

async function publishCell(who: Who, topic: string): Promise<Outcome> {
  const clientId = unique(`pub-${who}`);
  const opened = await open(broker.url, { ...credentials(who), clientId });
  if (!opened.ok) return `refused: CONNACK ${opened.code}`;
  const payload = unique(`${who}->${topic}`);
  const outcome = await publishOutcome(opened.client, topic, payload);
  if (outcome === 'closed') return reported(clientId, 'publish', topic) ? 'refused: disconnected' : 'disconnected without a refused event';
  await seen.waitFor(payload);
  return opened.client.connected ? 'delivered' : 'delivered, then disconnected';
}

async function subscribeCell(who: Who, topic: string): Promise<Outcome> {
  const clientId = unique(`sub-${who}`);
  const opened = await open(broker.url, { ...credentials(who), clientId });
  if (!opened.ok) return `refused: CONNACK ${opened.code}`;
  const mine = record(opened.client);
  const granted = await grantedQos(opened.client, topic, 1);
  if (granted === 128) {
    if (!opened.client.connected) return 'SUBACK 0x80, then disconnected';
    return reported(clientId, 'subscribe', topic) ? 'refused: SUBACK 0x80' : 'SUBACK 0x80 without a refused event';
  }
  const payload = unique(`operator->${topic}`);
  await operator.publishAsync(topic, payload, { qos: 1 });
  await mine.waitFor(payload);
  return granted === 1 ? 'delivered' : `delivered with granted QoS ${granted}`;
}

for (const who of ['A', 'B', 'R', 'anonymous'] as const) {
  for (const action of ['publish', 'subscribe'] as const) {
    test(`IoT Core ACL: ${who} × ${action} × every topic`, async () => {
      const cell = action === 'publish' ? publishCell : subscribeCell;
      const actual = Object.fromEntries(await Promise.all(TOPICS.map(async (t) => [t, await cell(who, t)] as const)));
      const expected = Object.fromEntries(
        TOPICS.map((t) => {
          if (who === 'anonymous') return [t, 'refused: CONNACK 5'];
          if (ALLOWED[who][action].includes(t)) return [t, 'delivered'];
          return [t, action === 'publish' ? 'refused: disconnected' : 'refused: SUBACK 0x80'];
        }),
      );
      assert.deepEqual(actual, expected);
    });
  }
}

test('a registry wildcard over $devices delivers only its own devices', async () => {
  const registry = await openOrThrow(broker.url, { ...as('R'), clientId: 'wild-R' });
  const got = record(registry);
  assert.equal(await grantedQos(registry, '$devices/+/events', 1), 1);
  const [a, c] = [await openOrThrow(broker.url, as('A')), await openOrThrow(broker.url, as('C'))];
  const [fromA, fromC] = [unique('wild-A'), unique('wild-C')];
  await c.publishAsync('$devices/C/events', fromC, { qos: 1 });
  await a.publishAsync('$devices/A/events', fromA, { qos: 1 });
  await got.waitFor(fromA);
  await seen.waitFor(fromC); // C's event did go through the broker...
  assert.ok(await got.never(fromC), 'registry R received an event of device C from registry R2'); // ...but not to R
  // Filters that could reach no topic of R at all are refused up front.
  for (const filter of ['#', '+/+/events', '$devices/C/#', '$registries/+/commands']) {
    assert.equal(await grantedQos(registry, filter, 1), 128, filter);
  }
});

test('a device wildcard reaches only its own commands', async () => {
  const device = await openOrThrow(broker.url, as('A'));
  const got = record(device);
  assert.equal(await grantedQos(device, '$devices/+/commands', 1), 1);
  assert.equal(await grantedQos(device, '$devices/A/#', 1), 1);
  const registry = await openOrThrow(broker.url, as('R'));
  const [toA, toB] = [unique('to-A'), unique('to-B')];
  await registry.publishAsync('$devices/B/commands', toB, { qos: 1 });
  await registry.publishAsync('$devices/A/commands', toA, { qos: 1 });
  await got.waitFor(toA);
  assert.ok(await got.never(toB), 'device A received a command for device B');
  // `$devices/A/#` matched A's own events too, yet a device never receives its own upstream topics.
  const own = unique('own-event');
  await device.publishAsync('$devices/A/events', own, { qos: 1 });
  await seen.waitFor(own);
  assert.ok(await got.never(own));
});
