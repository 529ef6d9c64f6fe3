// `mpy-iot broker --iot-core` in an iot-core project: the certificates of `certs init` give it an
// mTLS listener without TLS flags, and dev-1's certificate logs it in with dev-1's rights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { runCli, tempDir } from '../helpers/cli.ts';
import { until } from '../helpers/until.ts';

test('broker --iot-core uses certs/broker.pem and ca.pem and knows dev-1 by its certificate', { timeout: 60_000 }, async () => {
  const root = tempDir();
  const dir = path.join(root, 'fleet');
  for (const [args, cwd] of [[['init', 'fleet', '--template', 'iot-core'], root], [['certs', 'init'], dir], [['certs', 'device', 'dev-1'], dir], [['certs', 'device', 'dev-2'], dir]] as const) {
    assert.equal((await runCli([...args], { cwd })).code, 0, args.join(' '));
  }
  const stop = new AbortController();
  // --tls-port 0 and the URL it prints (on stderr, as --json keeps stdout for the summary): a port
  // picked free beforehand could be taken by another test file before the broker binds it.
  let notes = '';
  const run = runCli(['broker', '--iot-core', '--port', '0', '--tls-port', '0', '--json'], { cwd: dir, env: {}, interrupt: stop.signal, onStderr: (t) => (notes += t) });
  await until(() => /listening on mqtts:\/\/127\.0\.0\.1:\d+/.test(notes), 'the mqtts listener announced', 30_000).catch(async (error: unknown) => {
    stop.abort();
    const r = await run;
    throw new Error(`${String(error)}; broker exited ${r.code}: ${r.stderr}`);
  });
  const tlsPort = Number(/listening on mqtts:\/\/127\.0\.0\.1:(\d+)/.exec(notes)![1]);
  const file = (name: string): Buffer => readFileSync(path.join(dir, 'certs', name));
  const options = { ca: file('ca.pem'), cert: file('devices/dev-1.pem'), key: file('devices/dev-1.key'), rejectUnauthorized: true, clientId: 'cli-dev-1', reconnectPeriod: 0, connectTimeout: 10_000 };
  const client: MqttClient = await mqtt.connectAsync(`mqtts://127.0.0.1:${tlsPort}`, options);
  await client.publishAsync('$devices/dev-1/events', '{"temperature": 21.5, "seq": 0}', { qos: 1 });
  await client.endAsync();
  stop.abort();
  const done = await run;
  assert.equal(done.code, 130, done.stderr);
  assert.match(done.stderr, /mTLS with certs\/broker\.pem, clients checked against ca\.pem/);
  const summary = done.json<{ listening: string[]; clients: string[]; refused: number }>();
  assert.ok(summary.listening.includes(`mqtts://127.0.0.1:${tlsPort}`), JSON.stringify(summary));
  assert.deepEqual(summary.clients, ['cli-dev-1']);
  assert.equal(summary.refused, 0);
});
