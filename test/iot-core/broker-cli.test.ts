// `mpy-iot broker --iot-core` in an iot-core project: the certificates of `certs init` give it an
// mTLS listener without TLS flags, and dev-1's certificate logs it in with dev-1's rights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { brokerCli, iotCoreProjectWithCerts } from '../helpers/brokerCli.ts';

test('broker --iot-core uses certs/broker.pem and ca.pem and knows dev-1 by its certificate', { timeout: 60_000 }, async () => {
  const dir = await iotCoreProjectWithCerts();
  // --json keeps stdout for the summary; the URL is printed on stderr.
  const broker = await brokerCli(['--iot-core', '--json'], dir);
  const tlsPort = Number(new URL(broker.tlsUrl).port);
  const file = (name: string): Buffer => readFileSync(path.join(dir, 'certs', name));
  const options = { ca: file('ca.pem'), cert: file('devices/dev-1.pem'), key: file('devices/dev-1.key'), rejectUnauthorized: true, clientId: 'cli-dev-1', reconnectPeriod: 0, connectTimeout: 10_000 };
  const client: MqttClient = await mqtt.connectAsync(`mqtts://127.0.0.1:${tlsPort}`, options);
  await client.publishAsync('$devices/dev-1/events', '{"temperature": 21.5, "seq": 0}', { qos: 1 });
  await client.endAsync();
  const done = await broker.stop();
  assert.equal(done.code, 130, done.stderr);
  assert.match(done.stderr, /mTLS with certs\/broker\.pem, clients checked against ca\.pem/);
  const summary = done.json<{ listening: string[]; clients: string[]; refused: number }>();
  assert.ok(summary.listening.includes(`mqtts://127.0.0.1:${tlsPort}`), JSON.stringify(summary));
  assert.deepEqual(summary.clients, ['cli-dev-1']);
  assert.equal(summary.refused, 0);
});
