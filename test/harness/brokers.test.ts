// The harness on real brokers: crafted traffic published with mqtt.js to Aedes and to mosquitto,
// a last will after a dropped socket, reconnect after a broker restart, and verify() end to end.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt, { type MqttClient } from 'mqtt';
import { startWatch, verify, type DeviceStats, type MessageResult } from '../../tools/harness/index.ts';
import { DeviceError } from '../../tools/errors.ts';
import { hasMosquitto, NOTHING_LISTENS_PORT, startAedes, startMosquitto, type TestBroker } from '../helpers/brokers.ts';
import { until } from '../helpers/until.ts';
import { birth, lab, labDevices, will } from './fixtures.ts';
import { runnableClock } from '../helpers/clock.ts';

async function board(url: string, clientId: string, willTopic?: string): Promise<MqttClient> {
  const client = mqtt.connect(url, {
    clientId,
    reconnectPeriod: 0,
    ...(willTopic ? { will: { topic: willTopic, payload: will, qos: 1 as const, retain: false } } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  client.on('error', () => undefined); // the socket is destroyed on purpose below
  return client;
}

const devices = labDevices([{ name: 'team-1', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01' } }]);
const TOPIC = 'DATA/240ac4000001';

for (const [name, start] of [['Aedes', startAedes], ['mosquitto', startMosquitto]] as const) {
  describe(`harness through ${name}`, { skip: name === 'mosquitto' && !hasMosquitto() && 'mosquitto is not installed (apt-get install mosquitto)' }, () => {
    let broker: TestBroker;

    test('watch: valid, invalid and garbage payloads, seq gap, birth and last will', async () => {
      broker = await start();
      after(() => broker.stop());
      const watch = startWatch({ url: broker.url, devices, updateMs: 50 });
      after(() => watch.stop());
      const messages: MessageResult[] = [];
      const updates: DeviceStats[] = [];
      watch.on('message', (m) => messages.push(m));
      watch.on('device', (d) => updates.push(d));
      await watch.ready(5000);

      const b = await board(broker.url, 'board-1', '$devices/team-1/state');
      await b.publishAsync('$devices/team-1/state', birth('team-1'), { qos: 1 });
      const payloads = [lab({ seq: 0 }), lab({ seq: 1 }), lab({ seq: 3 }), lab({ seq: 4, temperature: 'warm' }), Buffer.from('not json'), Buffer.from([0xc3, 0x28]), Buffer.alloc(0)];
      for (const p of payloads) await b.publishAsync(TOPIC, p, { qos: 1 });
      await until(() => watch.snapshot().totals.messages === payloads.length, 'all payloads');

      b.stream.destroy(); // no DISCONNECT: the broker must publish the will
      await until(() => watch.snapshot().devices[0]?.status === 'offline', 'the last will');
      await until(() => updates.some((u) => u.status === 'offline'), "a 'device' event for the will");

      const snap = watch.snapshot();
      assert.equal(snap.devices.length, 1);
      const d = snap.devices[0]!;
      assert.equal(d.key, '240ac4000001');
      assert.equal(d.device, 'team-1');
      assert.equal(d.messages, 7);
      assert.equal(d.valid, 3);
      assert.equal(d.invalid, 4);
      assert.deepEqual(d.invalidByKind, { schema: 1, 'not-json': 1, 'not-utf8': 1, empty: 1 });
      assert.equal(d.firstError?.reason, '/temperature must be number');
      assert.deepEqual(d.seq, { last: 4, missing: 1, missingSample: [2], duplicates: 0, resets: 0, recentResets: [] });
      assert.equal(d.boot, 'power_on');
      assert.equal((d.lastPayload as { temperature: unknown }).temperature, 'warm', 'the last payload that parsed (later garbage does not replace it)');
      assert.deepEqual(messages.filter((m) => m.kind === 'telemetry' && m.valid).map((m) => (m.payload as { students: string[] }).students[0]), ['Иванов И.И', 'Иванов И.И', 'Иванов И.И']);
      assert.deepEqual(messages.filter((m) => m.kind === 'status').map((m) => (m.payload as { status: string }).status), ['online', 'offline']);
    });

    test('watch reconnects and resubscribes after the broker restarts', async () => {
      broker = await start();
      after(() => broker.stop());
      const watch = startWatch({ url: broker.url, topics: ['DATA/+'], mqttOptions: { reconnectPeriod: 100 } });
      after(() => watch.stop());
      const states: string[] = [];
      watch.on('connection', (s) => states.push(s));
      watch.on('error', () => undefined);
      await watch.ready(5000);
      const before = await board(broker.url, 'p1');
      await before.publishAsync(TOPIC, lab({ seq: 0 }), { qos: 1 });
      await until(() => watch.snapshot().totals.messages === 1, 'the first message');
      before.end(true);
      await broker.restart(300);
      // Publish until the watcher (reconnecting on its own) sees a message again.
      const afterRestart = await board(broker.url, 'p2');
      after(() => afterRestart.endAsync());
      await until(() => {
        afterRestart.publish(TOPIC, lab({ seq: 1 }), { qos: 0 });
        return watch.snapshot().totals.messages >= 2;
      }, 'a message after the restart', 10_000);
      assert.ok(states.includes('reconnecting'), states.join(','));
      assert.equal(states.at(-1), 'connected');
    });

    test('verify(): a healthy board passes early with stopWhenPassed; a bad one fails with reasons', async () => {
      broker = await start();
      after(() => broker.stop());
      const good = await board(broker.url, 'good');
      const bad = await board(broker.url, 'bad');
      let seq = 0;
      const timer = setInterval(() => {
        good.publish('DATA/aa0000000001', lab({ seq }));
        bad.publish('DATA/bb0000000002', lab({ seq, temperature: 500 }));
        seq++;
      }, 30);
      after(() => {
        clearInterval(timer);
        good.end(true);
        bad.end(true);
      });
      const now = runnableClock(); // this thread's own clock: a busy machine's other work is not the 10 s duration
      const started = now();
      const ok = await verify({ url: broker.url, topics: ['DATA/aa0000000001'], durationMs: 10_000, minMessages: 3, stopWhenPassed: true, updateMs: 50 });
      assert.equal(ok.verdict.passed, true, ok.verdict.reasons.join('\n'));
      assert.ok(now() - started < 5000, 'stopped as soon as it passed');
      const failed = await verify({ url: broker.url, topics: ['DATA/+'], durationMs: 500, expectDevices: 2 });
      assert.equal(failed.verdict.passed, false);
      assert.equal(failed.snapshot.totals.boards, 2);
      assert.equal(failed.verdict.reasons.length, 1);
      assert.match(failed.verdict.reasons[0]!, /^DATA\/bb0000000002: \d+ of \d+ payloads invalid \(allowed 0\); first on DATA\/bb0000000002: \/temperature must be <= 150$/);
    });
  });
}

test('verify() against a port where nothing listens: DeviceError (exit 3) naming the broker', async () => {
  const url = `mqtt://127.0.0.1:${NOTHING_LISTENS_PORT}`;
  await assert.rejects(verify({ url, topics: ['DATA/+'], durationMs: 100, connectTimeoutMs: 700 }), (e: unknown) => {
    assert.ok(e instanceof DeviceError);
    assert.equal(e.exitCode, 3);
    // At once, with the connection's own error: nothing listening is not worth waiting the 700 ms for.
    assert.match(e.message, new RegExp(`^could not connect to mqtt://127.0.0.1:\\d+: connect ECONNREFUSED`));
    assert.match(e.hint ?? '', /start a broker/);
    return true;
  });
});
