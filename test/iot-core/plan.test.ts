// `mpy-iot iot-core plan` prints the yc commands for the project (never runs them), with the
// certificate files `mpy-iot certs` wrote; a password device is created with --read-password and
// its password never appears.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, tempDir } from '../helpers/cli.ts';

test('the plan for the iot-core template: registry (with its certificate), devices with certificates, where the ids go', async () => {
  const root = tempDir();
  const dir = path.join(root, 'fleet');
  for (const [args, cwd] of [[['init', 'fleet', '--template', 'iot-core'], root], [['certs', 'init'], dir], [['certs', 'device', 'dev-1'], dir], [['certs', 'device', 'dev-2'], dir], [['certs', 'registry', 'reg-1'], dir]] as const) {
    assert.equal((await runCli([...args], { cwd })).code, 0, args.join(' '));
  }
  const run = await runCli(['iot-core', 'plan'], { cwd: dir });
  assert.equal(run.code, 0, run.stderr);
  const commands = run.stdout.split('\n').filter((l) => l.startsWith('yc ') || l.startsWith('curl '));
  assert.deepEqual(commands, [
    'yc iot registry create reg-1',
    'yc iot registry certificate add --registry-name reg-1 --certificate-file certs/registries/reg-1.pem',
    'yc iot device create dev-1 --registry-name reg-1 --certificate-file certs/devices/dev-1.pem',
    'yc iot device create dev-2 --registry-name reg-1 --certificate-file certs/devices/dev-2.pem',
    'yc iot registry get reg-1 --format json --jq .id',
    'yc iot device get dev-1 --format json --jq .id',
    'yc iot device get dev-2 --format json --jq .id',
    'curl -fsSL -o certs/yandex-root-ca.pem https://storage.yandexcloud.net/mqtt/rootCA.crt',
  ]);
  assert.match(run.stdout, /^#!\/bin\/sh\n# Yandex IoT Core for iot-core-fleet: printed by `mpy-iot iot-core plan`, not run/);
  assert.doesNotMatch(run.stdout, /\.key\b|PRIVATE/, 'no private key goes to the cloud');
  const json = await runCli(['iot-core', 'plan', '--json'], { cwd: dir });
  assert.equal(json.json<{ steps: { commands: string[] }[] }>().steps.flatMap((s) => s.commands).length, commands.length);
});

test('a password device: --read-password, the password never printed; no registry is bad input', async () => {
  const dir = tempDir({
    'mpy-iot.json': {
      defaults: { board: 'esp32', wifi: { ssid: 'lab-wifi', password: 'lab-password' }, mqtt: { url: 'mqtts://mqtt.cloud.yandex.net:8883', username: 'dev-p', password: '${MQTT_PASSWORD}' }, identity: { registryId: 'reg-9' }, telemetry: { topics: ['$devices/{deviceId}/events'], sensor: 'simulated' } },
      devices: [{ name: 'dev-p' }],
    },
    '.env': 'MQTT_PASSWORD=Very-Secret-Pass-42\n',
  });
  const run = await runCli(['iot-core', 'plan'], { cwd: dir });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^yc iot device create dev-p --registry-name reg-9 --read-password$/m);
  assert.doesNotMatch(run.stdout + run.stderr, /Very-Secret-Pass-42/);

  writeFileSync(path.join(dir, 'mpy-iot.json'), JSON.stringify({ defaults: { board: 'esp32', wifi: { ssid: 'lab-wifi', password: 'lab-password' }, mqtt: { url: 'mqtt://127.0.0.1:1883' } }, devices: [{ name: 'lab-1', telemetry: { sensor: 'simulated' } }] }));
  const none = await runCli(['iot-core', 'plan'], { cwd: dir });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no device has identity.registryId/);
});
