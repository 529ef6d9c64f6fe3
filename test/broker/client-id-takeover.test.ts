// Who may use a client id. MQTT lets a CONNECT with a client id in use take that session over and
// disconnect the old client; on an IoT Core broker that let a board holding dev-2's credentials
// knock dev-1 off on every reconnect. IoT Core mode refuses another identity's takeover (CONNACK 2)
// while the holder lives, lets the same identity take over, and frees the id when the holder goes;
// the plain broker stays MQTT-standard. Real Aedes, real MQTT.js clients, the real `broker` command.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { startBroker, type RunningBroker } from '../../tools/broker/index.ts';
import { clientIdHolders } from '../../tools/broker/client-ids.ts';
import { brokerCli, iotCoreProjectWithCerts } from '../helpers/brokerCli.ts';
import type { CliRun } from '../helpers/cli.ts';
import { until } from '../helpers/until.ts';
import { OPERATOR, PASSWORDS, ROSTER, as } from './fixtures.ts';
import { closed, eventLog, open, openOrThrow, publishOutcome, record, unique } from './helpers.ts';

describe('IoT Core mode: a client id belongs to the identity holding it', () => {
  const log = eventLog();
  let broker: RunningBroker;
  let watcher: MqttClient;

  before(async () => {
    broker = await startBroker({ port: 0, iotCore: { ...ROSTER, rateLimit: false }, users: [OPERATOR], onEvent: log.onEvent });
    watcher = await openOrThrow(broker.url, { ...OPERATOR, clientId: unique('watcher') });
    await watcher.subscribeAsync('$devices/#', { qos: 1 });
  });
  after(() => broker?.close());

  test("another device, a registry and an operator with dev A's live client id are refused (CONNACK 2); A stays connected and keeps publishing", async () => {
    const id = unique('mpy-iot-240ac4000001');
    const holder = await openOrThrow(broker.url, { ...as('A'), clientId: id });
    await log.waitFor('client-connected', id);
    const seen = record(watcher);
    for (const [who, credentials] of [['device B', as('B')], ["registry R (A's own registry)", as('R')], ['operator', OPERATOR]] as const) {
      const newcomer = await open(broker.url, { ...credentials, clientId: id });
      assert.equal(newcomer.ok, false, `${who} took over A's client id`);
      assert.equal(!newcomer.ok && newcomer.code, 2, `${who}: ${!newcomer.ok && newcomer.message}`);
      // The refusal was decided before aedes registered anyone: A's session is the one the broker
      // still routes, so a publish of A after the refusal is acked and delivered.
      const payload = `A still here after ${who}`;
      assert.equal(await publishOutcome(holder, '$devices/A/events', payload), 'acked');
      await seen.waitFor(payload);
      assert.equal(holder.connected, true);
    }
    assert.equal(log.events.filter((e) => e.type === 'client-disconnected' && e.clientId === id).length, 0, 'A was never disconnected');
    const rules = log.refusals().filter((r) => r.clientId === id);
    assert.equal(rules.length, 3);
    for (const [r, newcomer] of rules.map((r, i) => [r, ["device 'B'", "registry 'R'", "operator 'operator'"][i]!] as const)) {
      assert.equal(r.action, 'connect');
      assert.match(r.rule, new RegExp(`client id '${id}' is in use by device 'A' \\(from 127\\.0\\.0\\.1:\\d+\\); ${newcomer} \\(from 127\\.0\\.0\\.1:\\d+\\) may not take it over`));
    }
    const printed = JSON.stringify(log.events);
    for (const secret of [...Object.values(PASSWORDS), OPERATOR.password]) assert.ok(!printed.includes(secret), 'a password reached an event');
    await holder.endAsync();
  });

  test('the same device reconnecting with its own client id takes the session over (a rebooted board is not locked out)', async () => {
    const id = unique('mpy-iot-240ac4000002');
    const first = await openOrThrow(broker.url, { ...as('A'), clientId: id });
    const gone = closed(first);
    const second = await open(broker.url, { ...as('A'), clientId: id });
    assert.equal(second.ok, true, !second.ok ? `${second.code} ${second.message}` : '');
    assert.equal(await gone, 'closed', 'the old connection was dropped, as MQTT says');
    if (second.ok) {
      const seen = record(watcher);
      assert.equal(await publishOutcome(second.client, '$devices/A/events', 'A after the takeover'), 'acked');
      await seen.waitFor('A after the takeover');
      // The old connection's close came after the takeover: it must not free the id the new
      // session holds, or device B could take A's id while A is connected.
      await log.waitFor('client-disconnected', id);
      const intruder = await open(broker.url, { ...as('B'), clientId: id });
      assert.equal(!intruder.ok && intruder.code, 2, 'the closed old session freed the id A still holds');
      assert.equal(second.client.connected, true);
      await second.client.endAsync();
    }
    assert.equal(log.refusals().filter((r) => r.clientId === id).length, 1);
  });

  test('once the holder is gone (a clean DISCONNECT, or its connection dropped) another identity may use the id', async () => {
    const id = unique('mpy-iot-240ac4000003');
    const holder = await openOrThrow(broker.url, { ...as('A'), clientId: id });
    await log.waitFor('client-connected', id);
    await holder.endAsync();
    // The broker frees the id when it has seen the disconnect, which is after the client's end.
    await log.waitFor('client-disconnected', id);
    const next = await openOrThrow(broker.url, { ...as('B'), clientId: id });

    // A connection that just drops (a board losing power) frees the id when the broker sees it close.
    const disconnects = (): number => log.events.filter((e) => e.type === 'client-disconnected' && e.clientId === id).length;
    const before = disconnects();
    next.stream.destroy();
    await until(() => disconnects() > before, `the broker noticing ${id} dropped`);
    const third = await openOrThrow(broker.url, { ...as('A'), clientId: id });
    await third.endAsync();
    assert.equal(log.refusals().filter((r) => r.clientId === id).length, 0);
  });

  test('two identities connecting with one id at the same moment: one holds it, the other is refused, nobody is kicked', async () => {
    const id = unique('mpy-iot-240ac4000004');
    const [a, b] = await Promise.all([open(broker.url, { ...as('A'), clientId: id }), open(broker.url, { ...as('B'), clientId: id })]);
    const outcomes = [a, b].map((o) => (o.ok ? 'connected' : `refused ${o.code}`)).sort();
    assert.deepEqual(outcomes, ['connected', 'refused 2']);
    const winner = [a, b].find((o) => o.ok)!;
    if (!winner.ok) return;
    const who = winner === a ? 'A' : 'B';
    const seen = record(watcher);
    assert.equal(await publishOutcome(winner.client, `$devices/${who}/events`, `${who} holds ${id}`), 'acked');
    await seen.waitFor(`${who} holds ${id}`);
    assert.equal(winner.client.connected, true);
    await winner.client.endAsync();
  });
});

test('one identity however it logged in: device A by certificate may take over A by password; its registry may not', () => {
  const live = new Set(['first', 'second', 'third']);
  const holders = clientIdHolders<string>((c) => live.has(c));
  holders.claim('id', 'first', { kind: 'device', id: 'A', registryId: 'R', via: 'password' }, '127.0.0.1:1');
  assert.equal(holders.conflict('id', 'second', { kind: 'device', id: 'A', registryId: 'R', via: 'certificate' }), null);
  assert.deepEqual(holders.conflict('id', 'third', { kind: 'registry', id: 'R', via: 'certificate' })?.identity.id, 'A');
  // A registry named like a device is another identity too.
  assert.notEqual(holders.conflict('id', 'third', { kind: 'registry', id: 'A', via: 'password' }), null);
  live.delete('first');
  assert.equal(holders.conflict('id', 'third', { kind: 'registry', id: 'R', via: 'certificate' }), null, 'a holder that is gone frees the id');
});

test('the plain broker (no --iot-core) stays MQTT-standard: a second user with the same client id takes the session over', async () => {
  const users = [
    { username: 'u1', password: 'u1-secret-0123' },
    { username: 'u2', password: 'u2-secret-0123' },
  ];
  const broker = await startBroker({ port: 0, users });
  try {
    const first = await openOrThrow(broker.url, { ...users[0]!, clientId: 'shared-id' });
    const gone = closed(first);
    const second = await openOrThrow(broker.url, { ...users[1]!, clientId: 'shared-id' });
    assert.equal(await gone, 'closed');
    assert.equal(second.connected, true);
    await second.endAsync();
  } finally {
    await broker.close();
  }
});

test("`broker --iot-core` prints the refusal: dev-2's certificate with dev-1's client id names the id and both devices; dev-1 stays", { timeout: 120_000 }, async () => {
  const dir = await iotCoreProjectWithCerts();
  const broker = await brokerCli(['--iot-core'], dir);
  const file = (name: string): Buffer => readFileSync(path.join(dir, 'certs', name));
  const device = (id: string) => ({ ca: file('ca.pem'), cert: file(`devices/${id}.pem`), key: file(`devices/${id}.key`), rejectUnauthorized: true, clientId: 'mpy-iot-240ac4aabbcc', reconnectPeriod: 0, connectTimeout: 10_000 });
  let dev1: MqttClient | undefined;
  let done: CliRun;
  try {
    const url = broker.tlsUrl;
    dev1 = await mqtt.connectAsync(url, device('dev-1'));
    const dev2 = await open(url, device('dev-2'));
    assert.equal(!dev2.ok && dev2.code, 2, !dev2.ok ? dev2.message : 'dev-2 took over dev-1\'s client id');
    await dev1.publishAsync('$devices/dev-1/events', '{"temperature": 21.5, "seq": 0}', { qos: 1 });
    assert.equal(dev1.connected, true);
    await dev1.endAsync();
  } finally {
    done = await broker.stop();
  }
  assert.equal(done.code, 130, done.stderr);
  // The broker prints the refusal before it sends the CONNACK the client saw: no waiting needed.
  const lines = done.stdout.split('\n').filter((l) => l.includes('refused'));
  assert.equal(lines.length, 1, done.stdout);
  assert.match(lines[0]!, /mpy-iot-240ac4aabbcc: connect refused — IoT Core: client id 'mpy-iot-240ac4aabbcc' is in use by device 'dev-1' \(from 127\.0\.0\.1:\d+\); device 'dev-2' \(from 127\.0\.0\.1:\d+\) may not take it over/);
  for (const id of ['dev-1', 'dev-2']) {
    const keyLines = readFileSync(path.join(dir, `certs/devices/${id}.key`), 'utf8').split('\n').filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l));
    for (const line of keyLines) assert.ok(!(done.stdout + done.stderr).includes(line), 'a line of a private key was printed');
  }
});
