// IoT Core refuses QoS 2 and retained messages; the plain broker allows both. Each refusal is
// observed as the client sees it and reported with the rule that refused it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type RunningBroker } from '../../tools/broker/index.ts';
import { OPERATOR, ROSTER, as } from './fixtures.ts';
import { closed, eventLog, grantedQos, openOrThrow, publishOutcome, record, unique } from './helpers.ts';

const log = eventLog();
let iot: RunningBroker;
let plain: RunningBroker;

before(async () => {
  iot = await startBroker({ port: 0, iotCore: ROSTER, users: [OPERATOR], onEvent: log.onEvent });
  plain = await startBroker({ port: 0 });
});
after(() => Promise.all([iot.close(), plain.close()]));

function lastRefusal(clientId: string): { action: string; topic?: string; rule: string } | undefined {
  return log.refusals().filter((e) => e.clientId === clientId).at(-1);
}

test('IoT Core: a QoS 2 publish on an allowed topic drops the connection, naming the QoS rule', async () => {
  const device = await openOrThrow(iot.url, { ...as('A'), clientId: 'qos2-pub' });
  assert.equal(await publishOutcome(device, '$devices/A/events', 'x', { qos: 2 }), 'closed');
  assert.deepEqual(lastRefusal('qos2-pub'), {
    type: 'refused',
    clientId: 'qos2-pub',
    action: 'publish',
    topic: '$devices/A/events',
    username: 'A',
    rule: 'IoT Core supports QoS 0 and 1 only; QoS 2 is refused',
  });
});

test('IoT Core: a QoS 2 subscription gets SUBACK 0x80 and the connection stays', async () => {
  const device = await openOrThrow(iot.url, { ...as('A'), clientId: 'qos2-sub' });
  assert.equal(await grantedQos(device, '$devices/A/commands', 2), 128);
  assert.equal(device.connected, true);
  assert.match(lastRefusal('qos2-sub')?.rule ?? '', /QoS 0 and 1 only/);
  // The same filter at QoS 1 is fine: only the QoS was wrong.
  assert.equal(await grantedQos(device, '$devices/A/commands', 1), 1);
});

test('IoT Core: a retained publish drops the connection, naming the retain rule; nothing is retained', async () => {
  const device = await openOrThrow(iot.url, { ...as('A'), clientId: 'retain-pub' });
  assert.equal(await publishOutcome(device, '$devices/A/events', 'kept?', { qos: 1, retain: true }), 'closed');
  assert.equal(lastRefusal('retain-pub')?.rule, 'IoT Core does not support retained messages');
  const registry = await openOrThrow(iot.url, as('R'));
  const got = record(registry);
  await registry.subscribeAsync('$devices/A/events', { qos: 1 });
  assert.ok(await got.never('kept?'));
});

test('IoT Core: a refused QoS 0 publish is seen only as the connection closing', async () => {
  const device = await openOrThrow(iot.url, { ...as('A'), clientId: 'qos0-foreign' });
  assert.equal(await publishOutcome(device, '$devices/B/events', 'x', { qos: 0 }), 'closed');
  assert.match(lastRefusal('qos0-foreign')?.rule ?? '', /device 'A' may publish only to \$devices\/A\/events\|state/);
});

test('IoT Core: a message over 256 KB is refused', async () => {
  const device = await openOrThrow(iot.url, { ...as('A'), clientId: 'too-big' });
  assert.equal(await publishOutcome(device, '$devices/A/events', 'x'.repeat(256 * 1024 + 1)), 'closed');
  assert.equal(lastRefusal('too-big')?.rule, 'IoT Core limits a message to 256 KB');
});

test('IoT Core: subscribe refusals name the identity and the topics it may use', async () => {
  const registry = await openOrThrow(iot.url, { ...as('R'), clientId: 'rule-R' });
  assert.equal(await grantedQos(registry, '$devices/C/events'), 128);
  assert.equal(
    lastRefusal('rule-R')?.rule,
    "IoT Core: registry 'R' may subscribe only to $devices/<id>/events|state of its devices (A, B) and $registries/R/events|state (and their subtopics);" +
      ' a wildcard is accepted when it can match one of them, and delivers only those',
  );
});

test('plain mode: QoS 2 and retain work', async () => {
  const publisher = await openOrThrow(plain.url);
  const topic = unique('plain/retained');
  assert.equal(await publishOutcome(publisher, topic, 'kept', { qos: 2, retain: true }), 'acked');
  const late = await openOrThrow(plain.url);
  const got = record(late);
  assert.equal(await grantedQos(late, topic, 2), 2);
  assert.deepEqual(await got.waitFor('kept'), { topic, payload: 'kept', retain: true });
  assert.equal(publisher.connected, true);
});

test('plain mode still refuses publishing to $SYS', async () => {
  const client = await openOrThrow(plain.url);
  assert.equal(await publishOutcome(client, '$SYS/fake', 'x'), 'closed');
  await closed(client);
});
