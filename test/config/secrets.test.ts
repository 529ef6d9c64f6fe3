// Secrets (Wi-Fi and MQTT passwords) never appear in any output: human, --json, errors or builds' manifests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { labProjectJson, runCli, tempDir } from '../helpers/cli.ts';

const WIFI_SECRET = 'wifi-Secret-8472';
const MQTT_SECRET = 'mqtt-Secret-1937';
const ENV_SECRET = 'env-Secret-5521';

function secretProject(extraDevice: Record<string, unknown> = {}): string {
  const base = labProjectJson();
  return tempDir({
    'mpy-iot.json': {
      ...base,
      defaults: { ...(base.defaults as object), wifi: { ssid: 'lab', password: WIFI_SECRET }, mqtt: { url: 'mqtt://127.0.0.1:1883', username: 'dev', password: '${MQTT_PASSWORD}' } },
      devices: [{ name: 'team-1', telemetry: { students: ['A'], group: 'G' }, ...extraDevice }],
    },
    '.env': `MQTT_PASSWORD=${MQTT_SECRET}\nAPI_TOKEN=${ENV_SECRET}\n`,
  });
}

const assertNoSecret = (text: string): void => {
  for (const secret of [WIFI_SECRET, MQTT_SECRET, ENV_SECRET]) assert.ok(!text.includes(secret), `secret ${secret} leaked:\n${text}`);
};

test('check and build print no secret, in text or --json', async () => {
  const dir = secretProject();
  for (const args of [['check'], ['check', '--json'], ['build'], ['build', '--json'], ['check', '--verbose']]) {
    const run = await runCli(args, { cwd: dir });
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    assertNoSecret(run.stdout + run.stderr);
  }
  // The manifest describes the build without the credentials (config.py on the board needs them).
  assertNoSecret(readFileSync(path.join(dir, 'build', 'team-1', 'manifest.json'), 'utf8'));
  assert.ok(readFileSync(path.join(dir, 'build', 'team-1', 'config.py'), 'utf8').includes(`WIFI_PASSWORD = '${WIFI_SECRET}'`));
});

test('errors about secret fields show the value redacted', async () => {
  const dir = secretProject({ wifi: { ssid: 'lab', password: 'short1' }, mqtt: { url: `mqtt://u:${WIFI_SECRET}@host` } });
  for (const args of [['check'], ['check', '--json']]) {
    const run = await runCli(args, { cwd: dir });
    assert.equal(run.code, 2);
    assertNoSecret(run.stdout + run.stderr);
    assert.match(run.stdout + run.stderr, /‹redacted›/);
  }
});

test('a secret from a secret-looking variable is redacted wherever it appears', async () => {
  const dir = tempDir({
    'mpy-iot.json': { ...labProjectJson(), project: 'x-${API_TOKEN}', devices: [{ name: 'team-1', board: 'esp23' }] },
    '.env': `API_TOKEN=${ENV_SECRET}\n`,
  });
  const run = await runCli(['check', '--json'], { cwd: dir });
  assert.equal(run.code, 2);
  assertNoSecret(run.stdout + run.stderr);
});
