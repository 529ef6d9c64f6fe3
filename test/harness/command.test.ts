// Command round trips against a fake device: a real mqtt.js client that answers like the firmware.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt, { type MqttClient } from 'mqtt';
import { publishOnce, sendCommand } from '../../tools/harness/index.ts';
import { startBroker } from '../../tools/broker/index.ts';
import { DeviceError } from '../../tools/errors.ts';
import { as, ROSTER } from '../broker/fixtures.ts';
import { NOTHING_LISTENS_PORT, startAedes, subscribe, type TestBroker } from '../helpers/brokers.ts';
import { runnableClock } from '../helpers/clock.ts';

let broker: TestBroker;
let device: MqttClient;
const requests: { topic: string; body: Record<string, unknown> }[] = [];

before(async () => {
  broker = await startAedes();
  device = mqtt.connect(broker.url, { clientId: 'fake-dev-1' });
  await new Promise<void>((resolve) => device.once('connect', () => resolve()));
  await device.subscribeAsync(['$devices/dev-1/commands', '$registries/reg-1/commands'], { qos: 1 });
  device.on('message', (topic, payload) => {
    const body = JSON.parse(payload.toString()) as Record<string, unknown>;
    requests.push({ topic, body });
    if (body.cmd === 'sleepy') return; // never answers
    const reply = body.cmd === 'ping'
      ? { id: body.id, cmd: 'ping', ok: true, result: { pong: true } }
      : { id: body.id, cmd: body.cmd, ok: false, error: `unknown command: ${String(body.cmd)}` };
    // A stale reply with another id first: sendCommand must wait for its own.
    device.publish('$devices/dev-1/events/reply', JSON.stringify({ id: 'someone-else', ok: true }));
    device.publish('$devices/dev-1/events/reply', 'not json');
    device.publish('$devices/dev-1/events/reply', JSON.stringify(reply));
  });
});
after(async () => {
  await device.endAsync();
  await broker.stop();
});

test('ping: publishes {"id","cmd","args"} to $devices/<id>/commands and returns the matching reply with an RTT', async () => {
  const r = await sendCommand({ url: broker.url, deviceId: 'dev-1', command: 'ping', args: { x: 'ё' }, timeoutMs: 3000 });
  assert.deepEqual(r.reply, { id: r.id, cmd: 'ping', ok: true, result: { pong: true } });
  assert.equal(r.commandTopic, '$devices/dev-1/commands');
  assert.equal(r.replyTopic, '$devices/dev-1/events/reply');
  assert.ok(r.rttMs > 0 && r.rttMs < 3000, String(r.rttMs));
  const sent = requests.at(-1);
  assert.equal(sent?.topic, '$devices/dev-1/commands');
  assert.deepEqual(sent?.body, { id: r.id, cmd: 'ping', args: { x: 'ё' } });
});

test('request ids are unique; an error reply ("ok": false) still resolves', async () => {
  const [a, b] = await Promise.all([
    sendCommand({ url: broker.url, deviceId: 'dev-1', command: 'ping' }),
    sendCommand({ url: broker.url, deviceId: 'dev-1', command: 'dance' }),
  ]);
  assert.notEqual(a.id, b.id);
  assert.equal(a.reply.ok, true);
  assert.deepEqual(b.reply, { id: b.id, cmd: 'dance', ok: false, error: 'unknown command: dance' });
});

test('registry command: goes to $registries/<id>/commands, the reply comes from the device topic', async () => {
  const r = await sendCommand({ url: broker.url, registryId: 'reg-1', deviceId: 'dev-1', command: 'ping' });
  assert.equal(r.commandTopic, '$registries/reg-1/commands');
  assert.equal(requests.at(-1)?.topic, '$registries/reg-1/commands');
  assert.equal(r.reply.ok, true);
});

test('timeout: DeviceError (exit 3) saying what was waited for, where', async () => {
  const now = runnableClock(); // this thread's own clock: a busy machine's other work is not the 5 s default timeout
  const started = now();
  await assert.rejects(sendCommand({ url: broker.url, deviceId: 'dev-1', command: 'sleepy', timeoutMs: 300 }), (e: unknown) => {
    assert.ok(e instanceof DeviceError);
    assert.equal(e.exitCode, 3);
    assert.match(e.message, /^no reply to "sleepy" \(id mpy-[\w-]+\) on \$devices\/dev-1\/events\/reply within 300 ms$/);
    assert.match(e.hint ?? '', /\$devices\/dev-1\/commands/);
    return true;
  });
  assert.ok(now() - started < 2000);
  await assert.rejects(sendCommand({ url: broker.url, deviceId: 'ghost', command: 'ping', timeoutMs: 200 }), /no reply to "ping" .* on \$devices\/ghost\/events\/reply/);
});

test('unreachable broker: DeviceError with a hint, quickly', async () => {
  const url = `mqtt://user:secret@127.0.0.1:${NOTHING_LISTENS_PORT}`;
  await assert.rejects(sendCommand({ url, deviceId: 'dev-1', command: 'ping' }), (e: unknown) => {
    assert.ok(e instanceof DeviceError);
    assert.match(e.message, /could not connect to mqtt:\/\/user:\*\*\*@127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    assert.doesNotMatch(e.message, /secret/);
    return true;
  });
});

test('publishOnce delivers one message (the RESULT path) with QoS 1', async () => {
  const sub = await subscribe(broker.url, ['RESULT']);
  after(() => sub.end());
  await publishOnce({ url: broker.url, topic: 'RESULT', payload: Buffer.from('{"group":"Г","message":"Принято"}') });
  const got = await sub.waitFor((m) => m.topic === 'RESULT', 3000);
  assert.equal(got.payload.toString('utf8'), '{"group":"Г","message":"Принято"}');
});

test('a login that may not read the reply topic: DeviceError naming the refused topic, before any command is sent', async () => {
  // On IoT Core rules a device reads only its own commands/config: device A sending to B cannot
  // subscribe to B's replies, and the broker says so in its SUBACK.
  const iotBroker = await startBroker({ port: 0, iotCore: { ...ROSTER, rateLimit: false } });
  try {
    await assert.rejects(
      sendCommand({ url: iotBroker.url, mqttOptions: { ...as('A') }, deviceId: 'B', command: 'ping', timeoutMs: 2000 }),
      (error: unknown) => error instanceof DeviceError && /refused the subscription to \$devices\/B\/events\/reply/.test(error.message),
    );
  } finally {
    await iotBroker.close();
  }
});
