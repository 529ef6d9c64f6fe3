// The "done when": `simulate --pty` prints a device path on which deploy and monitor work
// as on a real board — through the operating system's serial stack, not a test binding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ptySimulator } from '../helpers/ptySimulator.ts';
import { runCli } from '../helpers/cli.ts';
import { buildLab } from '../helpers/sim.ts';
import { until as waitUntil } from '../helpers/until.ts';

test('simulate --pty, then deploy --port and monitor --port on that pseudo-terminal', async () => {
  const project = await buildLab({ brokerUrl: 'mqtt://127.0.0.1:9', devices: [{ name: 'team-1', board: 'esp32', telemetry: { students: ['A'], group: 'G' } }] });
  const ptyPath = await ptySimulator(['--duration', '60s'], project);

  const deployed = await runCli(['deploy', '--port', ptyPath, '--force', '--json'], { cwd: project });
  assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
  assert.ok(deployed.json<{ ports: { result: { uploaded: string[] } }[] }>().ports[0]!.result.uploaded.includes('main.py'));

  const keys = new PassThrough();
  let output = '';
  let notes = '';
  const monitor = runCli(['monitor', '--port', ptyPath], { cwd: project, stdin: keys, onStdout: (t) => (output += t), onStderr: (t) => (notes += t) });
  const until = async (pattern: RegExp): Promise<void> => {
    await waitUntil(() => pattern.test(output), `${pattern} on the monitor`);
  };
  // deploy restarted the program: its log reaches the monitor; then the REPL answers.
  await until(/\[mpy-iot\] INFO (app|wifi|mqtt)/);
  keys.write('\x03');
  await until(/>>> /);
  keys.write('print("via", "pty")\r');
  await until(/via pty/);
  keys.write('\x14r'); // Ctrl-T R: a pty has no modem lines, so the hard reset is explained, not "Inappropriate ioctl"
  await waitUntil(() => /RTS\/DTR|cannot reset/.test(notes), 'the monitor answered Ctrl-T R');
  keys.write('\x1d');
  const closed = await monitor;
  assert.equal(closed.code, 0);
  assert.match(closed.stderr, /has no RTS\/DTR lines to pulse EN with \(a pseudo-terminal.*\): Ctrl-T D soft-resets instead/);
  assert.doesNotMatch(closed.stderr, /Inappropriate ioctl/);
});
