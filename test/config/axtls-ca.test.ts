// An ESP8266's TLS (axTLS) cannot check the broker's certificate: check says the CA is not used there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labProjectJson, runCli, tempDir } from '../helpers/cli.ts';

test('check warns that an ESP8266 does not use mqtt.tls.ca, and does not for an ESP32', async () => {
  const tls = { ca: 'ca.pem' };
  const dir = tempDir({
    'ca.pem': '-----BEGIN CERTIFICATE-----\n',
    'mpy-iot.json': labProjectJson({
      defaults: { wifi: { ssid: 'lab', password: 'lab-password-1' }, mqtt: { url: 'mqtts://192.168.1.10:8883', tls }, telemetry: { topics: ['DATA/{mac}'] } },
      devices: [
        { name: 'esp8266-team', board: 'esp8266', telemetry: { students: ['A'], group: 'G', sensor: 'simulated' } },
        { name: 'esp32-team', board: 'esp32', telemetry: { students: ['B'], group: 'G' } },
      ],
    }),
  });
  const run = await runCli(['check', '--json'], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const warnings = run.json<{ warnings: { path: string; message: string }[] }>().warnings.filter((w) => /axTLS/.test(w.message));
  assert.equal(warnings.length, 1, JSON.stringify(warnings));
  assert.match(warnings[0]!.message, /esp8266 \(axTLS\) cannot check the broker's certificate/);
});
