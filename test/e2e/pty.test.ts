// The "done when": `simulate --pty` prints a device path on which deploy and monitor work
// as on a real board — through the operating system's serial stack, not a test binding.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '../helpers/cli.ts';
import { buildLab } from '../helpers/sim.ts';

const bin = path.resolve(import.meta.dirname, '../../tools/cli/bin.mjs');

test('simulate --pty, then deploy --port and monitor --port on that pseudo-terminal', async () => {
  const project = await buildLab({ brokerUrl: 'mqtt://127.0.0.1:9', devices: [{ name: 'team-1', board: 'esp32', telemetry: { students: ['A'], group: 'G' } }] });
  const sim = spawn(process.execPath, [bin, 'simulate', '--pty', '--duration', '60s'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
  after(() => sim.kill());
  const ptyPath = await new Promise<string>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no pty path printed: ${err}`)), 20_000);
    sim.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      // The path may be wrapped in colour codes; the path itself is plain.
      const match = /(\/dev\/pts\/\d+)/.exec(err);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });

  const deployed = await runCli(['deploy', '--port', ptyPath, '--force', '--json'], { cwd: project });
  assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
  assert.ok(deployed.json<{ ports: { result: { uploaded: string[] } }[] }>().ports[0]!.result.uploaded.includes('main.py'));

  const keys = new PassThrough();
  let output = '';
  const monitor = runCli(['monitor', '--port', ptyPath], { cwd: project, stdin: keys, onStdout: (t) => (output += t) });
  const until = async (pattern: RegExp): Promise<void> => {
    for (let i = 0; i < 200 && !pattern.test(output); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(output, pattern);
  };
  // deploy restarted the program: its log reaches the monitor; then the REPL answers.
  await until(/\[mpy-iot\] INFO (app|wifi|mqtt)/);
  keys.write('\x03');
  await until(/>>> /);
  keys.write('print("via", "pty")\r');
  await until(/via pty/);
  keys.write('\x1d');
  assert.equal((await monitor).code, 0);
});
