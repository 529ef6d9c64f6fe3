// What `simulate` shows while a deploy or mpremote drives a board over its serial port: a short
// human line per raw REPL session, not the protocol's bytes (`>R\x01`, `raw REPL; CTRL-B to exit`).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAedes } from '../helpers/brokers.ts';
import { startSimulator } from '../helpers/ptySimulator.ts';
import { runCli } from '../helpers/cli.ts';
import { buildLab } from '../helpers/sim.ts';
import { until } from '../helpers/until.ts';

test('simulate --pty: a deploy shows as one raw REPL session line on the console, with no protocol bytes', async () => {
  const project = await buildLab({ brokerUrl: 'mqtt://127.0.0.1:9', devices: [{ name: 'team-1', board: 'esp32', telemetry: { students: ['A'], group: 'G' } }] });
  const sim = await startSimulator(['--pty', '--duration', '60s', '--no-color'], project);
  after(() => sim.stop());
  await sim.waitFor(/team-1 +│ .*INFO (wifi|mqtt)/);
  const before = sim.stdout().length;
  const deployed = await runCli(['deploy', '--port', sim.path, '--force'], { cwd: project });
  assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
  // The restarted program logs again after the session.
  await sim.waitFor(/INFO (app|wifi)/, 20_000, before);
  const during = sim.stdout().slice(before);
  assert.match(during, /team-1 +│ ── raw REPL session \(deploy, mpremote…\): program stopped ──/);
  assert.match(during, /team-1 +│ ── raw REPL session ended \(\d+ lines of REPL traffic hidden\) ──/);
  assert.doesNotMatch(during, /raw REPL; CTRL-B to exit/);
  // No control bytes of the raw REPL protocol (Ctrl-A…Ctrl-E) reach the console.
  assert.ok(![...during].some((ch) => ch.charCodeAt(0) >= 1 && ch.charCodeAt(0) <= 5), 'control bytes on the console');
});

test('simulate --broker: the console says which broker the boards really connect to', async () => {
  const broker = await startAedes();
  after(() => broker.stop());
  const project = await buildLab({ brokerUrl: 'mqtt://192.0.2.10:1883', devices: [{ name: 'team-1', board: 'esp32', telemetry: { students: ['A'], group: 'G' } }] });
  // Stopped (as Ctrl-C) once a payload reached --broker, not after a fixed --duration: booting the
  // interpreter, joining Wi-Fi and connecting took over 3 s on a loaded host, and the run ended first.
  const stop = new AbortController();
  let stdout = '';
  const running = runCli(['simulate', '--broker', broker.url, '--no-color'], { cwd: project, interrupt: stop.signal, onStdout: (t) => (stdout += t) });
  try {
    // Ends early on the bug (boards connecting where the build says): the assertions below name it.
    const wrongBroker = (): boolean => /connecting to 192\.0\.2\.10:1883 as/.test(stdout);
    await until(() => wrongBroker() || (/INFO mqtt connecting to/.test(stdout) && broker.published.some((p) => p.topic.startsWith('DATA/'))), 'a payload at --broker', 60_000);
  } finally {
    stop.abort();
  }
  const run = await running;
  assert.equal(run.code, 130, run.stderr);
  assert.match(run.stdout, new RegExp(`INFO mqtt connecting to 127\\.0\\.0\\.1:${broker.port} \\(--broker; the build names 192\\.0\\.2\\.10:1883\\) as mpy-iot-`));
  assert.doesNotMatch(run.stdout, /connecting to 192\.0\.2\.10:1883 as/);
  assert.match(run.stderr, new RegExp(`starting 1 virtual board → mqtt://127\\.0\\.0\\.1:${broker.port}`));
  assert.ok(broker.published.some((p) => p.topic.startsWith('DATA/')), 'the boards published to --broker');
});
