// Issue 6's "done when": `simulate --pty --loader` gives a path on which `flash --port --image`
// flashes and verifies, through the operating system's serial stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { syntheticFirmware } from '../../tools/flash/synthetic.ts';
import { ptySimulator } from '../helpers/ptySimulator.ts';
import { runCli, tempDir } from '../helpers/cli.ts';

test('simulate --pty --loader esp32, then flash --port on that pseudo-terminal', async () => {
  const dir = tempDir();
  // A structurally valid ESP32 image (flash checks header, segments, checksum and SHA-256 first).
  writeFileSync(path.join(dir, 'fw.bin'), syntheticFirmware(64 * 1024, 6, 'ESP32'));
  const ptyPath = await ptySimulator(['--loader', 'esp32', '--duration', '60s'], dir);
  // At 115200 throughout: with no reset lines the stub stays running after a flash, at the speed it
  // was left at, and the next flash (at 115200 to start) must reach it.
  const run = await runCli(['flash', '--port', ptyPath, '--board', 'esp32', '--image', 'fw.bin', '--baud', '115200', '--json'], { cwd: dir });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /"chip": "ESP32"/);
  assert.match(run.stdout, /"restarted": false/);
  // A pty has no reset lines: the summary must not claim a restart it could not make.
  const plain = await runCli(['flash', '--port', ptyPath, '--board', 'esp32', '--image', 'fw.bin', '--baud', '115200'], { cwd: dir });
  assert.equal(plain.code, 0, plain.stdout + plain.stderr);
  assert.match(plain.stdout, /flashed with fw\.bin \(not restarted: no reset lines/);
  assert.doesNotMatch(plain.stdout, /and restarted/);
});
