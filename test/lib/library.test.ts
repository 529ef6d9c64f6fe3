// The library as a user imports it: `from 'mpy-iot'`, which Node resolves to the compiled dist/
// (no tsx involved in the library itself), over a real embedded broker and a virtual board running
// the lab firmware.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import { tempDir, labProjectJson } from '../helpers/cli.ts';
import { ensureLibraryBuilt, libraryEntry } from '../package/library.ts';
import { runnableClock } from '../helpers/clock.ts';

ensureLibraryBuilt();
// The compiled file itself: under tsx the name 'mpy-iot' would map to the sources (tsconfig paths,
// there for the type-checker); test/package checks that the name resolves to it once installed.
const lib = (await import(pathToFileURL(libraryEntry).href)) as typeof import('mpy-iot');

interface LabPayload {
  temperature: number;
  students: string[];
  group: string;
  seq?: number;
}

const dir = tempDir({
  'mpy-iot.json': labProjectJson({
    defaults: {
      board: 'esp32',
      wifi: { ssid: 'lab-wifi', password: 'wifi-secret-123' },
      mqtt: { url: 'mqtt://127.0.0.1:1883', qos: 1 },
      telemetry: { topics: ['DATA/{mac}'], intervalSeconds: 1, extras: ['seq'] },
    },
  }),
});
let broker: import('mpy-iot').RunningBroker;
let fleet: import('mpy-iot').Fleet<LabPayload, 'team-1'>;
let sim: import('mpy-iot').Simulation;

before(async () => {
  broker = await lib.startBroker({ port: 0 });
  fleet = await lib.connectFleet<LabPayload, 'team-1'>({ url: broker.url, project: dir });
  sim = await lib.simulate({ project: dir, broker: broker.url });
});

after(async () => {
  await sim?.stop();
  await fleet?.close();
  await broker?.close();
});

test('the library under test is the compiled JavaScript', () => {
  assert.match(libraryEntry, /dist\/lib\/index\.js$/);
  assert.equal(typeof lib.connectFleet, 'function');
});

test('expectTelemetry: typed, schema-valid payloads from the virtual board, attributed to its device', async () => {
  const events = await lib.expectTelemetry(fleet, { device: 'team-1', count: 2, timeoutMs: 30_000 });
  assert.equal(events.length, 2);
  for (const e of events) {
    assert.equal(e.device, 'team-1');
    assert.match(e.topic, /^DATA\/[0-9a-f]{12}$/);
    assert.equal(e.topic, `DATA/${sim.board('team-1').mac}`);
    assert.equal(e.payload.group, 'БАГ-18-01');
    assert.deepEqual(e.payload.students, ['Иванов И.И']);
    assert.equal(typeof e.payload.temperature, 'number');
  }
  assert.equal(events[1]!.payload.seq, events[0]!.payload.seq! + 1);
  assert.equal(fleet.verify({ minMessages: 2 }).passed, true);
  // Answered from the kept history (polling tests do this in loops): no listener left behind.
  const listeners = fleet.listenerCount('message');
  for (let i = 0; i < 12; i++) await lib.expectTelemetry(fleet, { device: 'team-1', count: 1 });
  assert.equal(fleet.listenerCount('message'), listeners);
});

test('send(): command round trips with the reply typed; a refused command comes back as ok: false', async () => {
  const ping = await fleet.send('team-1', lib.commandRequest<{ pong: boolean }>('ping'));
  assert.equal(ping.ok, true);
  assert.deepEqual(ping.result, { pong: true });
  assert.ok(ping.rttMs > 0);
  const refused = await fleet.send('team-1', lib.commandRequest('set_interval', { seconds: 0 }));
  assert.equal(refused.ok, false);
  assert.match(refused.error ?? '', /between 1 and 86400/);
  await assert.rejects(fleet.send('team-2' as 'team-1', lib.commandRequest('ping'), { timeoutMs: 300 }), (e: Error) => e instanceof lib.DeviceError && /no reply to "ping"/.test(e.message));
});

test('expectTelemetry fails at the first payload the schema refuses, naming the field', async () => {
  const since = Date.now();
  const waiting = lib.expectTelemetry(fleet, { device: 'team-1', count: 50, since, timeoutMs: 20_000 });
  waiting.catch(() => {}); // it may reject before assert.rejects below is reached
  const client = await mqtt.connectAsync(broker.url);
  // Same team (students + group), so it is attributed to team-1; the temperature is text.
  await client.publishAsync(`DATA/${sim.board('team-1').mac}`, JSON.stringify({ temperature: 'hot', students: ['Иванов И.И'], group: 'БАГ-18-01' }));
  await client.endAsync();
  await assert.rejects(waiting, (e: Error) => {
    assert.ok(e instanceof lib.VerificationError, String(e));
    assert.match(e.message, /team-1 sent an invalid payload on DATA\/[0-9a-f]{12} \(\/temperature must be number\)/);
    return true;
  });
});

test('expectTelemetry times out saying how many arrived', async () => {
  await assert.rejects(lib.expectTelemetry(fleet, { device: 'team-1', count: 1000, timeoutMs: 1500, maxInvalid: 10 }), /expected 1000 valid telemetry payload\(s\) from team-1 within 1500 ms, got \d+/);
});

test('connectFleet to nothing listening fails at once with the connection error', async () => {
  const now = runnableClock(); // this thread's own clock: a busy machine's other work is not a connect timeout
  const started = now();
  await assert.rejects(lib.connectFleet({ url: 'mqtt://127.0.0.1:1', project: dir }), (e: Error) => e instanceof lib.DeviceError);
  assert.ok(now() - started < 8000);
});
