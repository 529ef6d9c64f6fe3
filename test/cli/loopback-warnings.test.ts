// Loopback traps that only bite on real boards: a broker URL of 127.0.0.1 in the project, and a
// broker listening on 127.0.0.1 while the boards look for it on the LAN. Warnings, not errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labProjectJson, runCli, tempDir } from '../helpers/cli.ts';

const withBroker = (url: string, devices = 1): Record<string, unknown> =>
  labProjectJson({
    defaults: { ...(labProjectJson().defaults as object), mqtt: { url } },
    devices: Array.from({ length: devices }, (_, i) => ({ name: `team-${i + 1}`, telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01' } })),
  });

test('check: a loopback broker URL is one warning where it is written, with the fix; exit 0', async () => {
  const run = await runCli(['check', '--no-color'], { cwd: tempDir({ 'mpy-iot.json': withBroker('mqtt://127.0.0.1:1883', 3) }) });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /1 warning:/);
  assert.match(run.stdout, /⚠ defaults\.mqtt\.url: the broker is at 127\.0\.0\.1, a loopback address: .*a real board cannot/);
  assert.match(run.stdout, /fix: .*MQTT_HOST=192\.168\.1\.10.*mpy-iot broker --host 0\.0\.0\.0/);

  const json = await runCli(['check', '--json'], { cwd: tempDir({ 'mpy-iot.json': withBroker('mqtt://localhost:1883') }) });
  assert.equal(json.code, 0);
  assert.deepEqual(json.json<{ warnings: { path: string; severity: string }[] }>().warnings.map((w) => [w.path, w.severity]), [['defaults.mqtt.url', 'warning']]);
});

test('check: a LAN broker URL gets no loopback warning', async () => {
  const run = await runCli(['check', '--no-color'], { cwd: tempDir({ 'mpy-iot.json': withBroker('mqtt://192.168.1.10:1883') }) });
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stdout, /loopback|warning/);
});

async function brokerRun(project: Record<string, unknown>): Promise<{ code: number; stderr: string }> {
  const stop = new AbortController();
  return runCli(['broker', '--port', '0', '--no-color'], { cwd: tempDir({ 'mpy-iot.json': project }), interrupt: stop.signal, onStdout: (t) => t.includes('listening on') && setTimeout(() => stop.abort(), 50) });
}

test("broker on 127.0.0.1 while the project's boards look on the LAN: a warning with --host 0.0.0.0 and the firewall", async () => {
  const run = await brokerRun(withBroker('mqtt://192.168.1.10:1884'));
  assert.match(run.stderr, /⚠ listening on 127\.0\.0\.1 only, but the project's boards connect to 192\.168\.1\.10:1884: they cannot reach this broker/);
  assert.match(run.stderr, /fix: mpy-iot broker --host 0\.0\.0\.0 --port 1884, and let TCP port 1884 through this computer's firewall/);
});

test('broker on 127.0.0.1 for a loopback project (virtual boards): no warning', async () => {
  const run = await brokerRun(withBroker('mqtt://127.0.0.1:1883'));
  assert.doesNotMatch(run.stderr, /⚠/);
  assert.match(run.stderr, /broker stopped/);
});
