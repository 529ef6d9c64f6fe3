// `mpy-iot broker --iot-core` in an iot-core project: the certificates of `certs init` give it an
// mTLS listener without TLS flags, and dev-1's certificate logs it in with dev-1's rights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { freePort } from '../helpers/brokers.ts';
import { runCli, tempDir } from '../helpers/cli.ts';

test('broker --iot-core uses certs/broker.pem and ca.pem and knows dev-1 by its certificate', { timeout: 60_000 }, async () => {
  const root = tempDir();
  const dir = path.join(root, 'fleet');
  for (const [args, cwd] of [[['init', 'fleet', '--template', 'iot-core'], root], [['certs', 'init'], dir], [['certs', 'device', 'dev-1'], dir], [['certs', 'device', 'dev-2'], dir]] as const) {
    assert.equal((await runCli([...args], { cwd })).code, 0, args.join(' '));
  }
  const tlsPort = await freePort();
  const stop = new AbortController();
  const run = runCli(['broker', '--iot-core', '--port', '0', '--tls-port', String(tlsPort), '--json'], { cwd: dir, env: {}, interrupt: stop.signal });
  const file = (name: string): Buffer => readFileSync(path.join(dir, 'certs', name));
  const options = { ca: file('ca.pem'), cert: file('devices/dev-1.pem'), key: file('devices/dev-1.key'), rejectUnauthorized: true, clientId: 'cli-dev-1', reconnectPeriod: 0, connectTimeout: 2000 };
  let client: MqttClient | undefined;
  for (let i = 0; i < 100 && !client; i++) {
    client = await mqtt.connectAsync(`mqtts://127.0.0.1:${tlsPort}`, options).catch(async (error: { code?: unknown }) => {
      if (error.code !== 'ECONNREFUSED') throw error; // a refusal by the broker is a failure, not "not up yet"
      await new Promise((r) => setTimeout(r, 100));
      return undefined;
    });
  }
  assert.ok(client, 'the mqtts listener came up');
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
