// The real mpremote against a running virtual board on `simulate --pty`: every command students use
// (exec, eval, run, fs ls/cat/cp both ways/rm/mkdir/rmdir/touch/sha256sum/tree, df, mount,
// soft-reset), and files written by `mpy-iot deploy` and by mpremote read back by the other tool.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli, tempDir } from '../helpers/cli.ts';
import { startSimulator, type RunningSimulator } from '../helpers/ptySimulator.ts';
import { buildLab } from '../helpers/sim.ts';
import { mpremote, skipWithoutMpremote } from './mpremote.ts';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
/** `fs cat` prints through the board's text output, which a UART "cooks" to \r\n (on real boards too). */
const uncooked = (text: string): string => text.replace(/\r\n/g, '\n');

describe('mpremote on a virtual ESP32 behind simulate --pty', { skip: skipWithoutMpremote }, () => {
  let project: string;
  let sim: RunningSimulator;
  let work: string;
  const run = async (args: string[]): Promise<string> => {
    const result = await mpremote(sim.path, args, { cwd: work });
    assert.equal(result.code, 0, `mpremote ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
    return result.stdout;
  };

  before(async () => {
    project = await buildLab({ brokerUrl: 'mqtt://127.0.0.1:9', devices: [{ name: 'mp', board: 'esp32', telemetry: { students: ['A'], group: 'G' } }] });
    sim = await startSimulator(['--pty', '-d', 'mp'], project);
    work = tempDir({ 'prog.py': 'import sys\nprint("run", sys.platform, 6 * 7)\n' });
  });
  after(() => sim.stop());

  test('exec, eval and run', async () => {
    assert.equal((await run(['exec', 'print(6 * 7)'])).trim(), '42');
    assert.equal((await run(['eval', '[1 + 2, "x"]'])).trim(), "[3, 'x']");
    assert.equal((await run(['run', 'prog.py'])).trim(), 'run esp32 42');
  });

  test('fs: cp both ways (byte-identical), sha256sum, ls sizes, cat, mkdir/touch/rm/rmdir, tree, df', async () => {
    const blob = Buffer.alloc(20_000);
    for (let i = 0; i < blob.length; i++) blob[i] = (i * 7919) % 251;
    writeFileSync(path.join(work, 'blob.bin'), blob);
    const out = await run(['fs', 'cp', 'blob.bin', ':blob.bin', '+', 'fs', 'sha256sum', ':blob.bin', '+', 'fs', 'cp', ':blob.bin', 'back.bin', '+', 'fs', 'ls']);
    assert.ok(out.includes(sha256(blob)), `sha256sum on the board:\n${out}`);
    assert.match(out, /^\s*20000 blob\.bin$/m);
    assert.match(out, /^\s*0 lib\/$/m);
    assert.ok(readFileSync(path.join(work, 'back.bin')).equals(blob), 'the file copied back is byte-identical');
    assert.equal(uncooked(await run(['fs', 'cat', ':boot.py'])), readFileSync(path.join(project, 'build', 'mp', 'boot.py'), 'utf8'));

    const tree = await run(['fs', 'mkdir', ':d', '+', 'fs', 'touch', ':d/t', '+', 'fs', 'ls', ':d', '+', 'fs', 'tree']);
    assert.match(tree, /^\s*0 t$/m);
    assert.match(tree, /├── d\n│ {3}└── t/);
    assert.doesNotMatch(tree, /sim|tmp|proc|home/, 'only the board files show');
    const removed = await run(['fs', 'rm', ':d/t', '+', 'fs', 'rmdir', ':d', '+', 'fs', 'rm', ':blob.bin', '+', 'fs', 'ls']);
    assert.doesNotMatch(removed.split('ls :').pop()!, /blob\.bin|\bd\//);
    const missing = await mpremote(sim.path, ['fs', 'cat', ':nope.txt'], { cwd: work });
    assert.notEqual(missing.code, 0);
    assert.match(missing.stdout + missing.stderr, /No such file|ENOENT|nope\.txt/);

    const df = await run(['df']);
    // The ESP32's ~2 MiB littlefs partition.
    assert.match(df, /^<VfsLfs2>\s+2097152\s+\d+\s+\d+\s+\d+\s+\/$/m);
  });

  test('mount: the board imports, reads and writes a host folder over the serial port', async () => {
    const dir = path.join(work, 'share');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'hostmod.py'), 'def hi():\n    return "hi from the host"\n');
    const out = await run(['mount', 'share', 'exec', "import os, hostmod\nprint(hostmod.hi(), sorted(os.listdir()))\nopen('written.txt', 'w').write('from the board')"]);
    assert.match(out, /hi from the host \['hostmod\.py'\]/);
    assert.equal(readFileSync(path.join(dir, 'written.txt'), 'utf8'), 'from the board');
  });

  test('soft-reset: the board reboots and reports a soft reset, as an ESP32 does', async () => {
    assert.equal((await run(['soft-reset', 'eval', '__import__("machine").reset_cause()'])).trim(), '5');
  });

  test('a file written by mpy-iot deploy reads back in mpremote, and one written by mpremote counts as deployed', async () => {
    const deployed = await runCli(['deploy', '--port', sim.path, '--json'], { cwd: project });
    assert.equal(deployed.code, 0, deployed.stdout + deployed.stderr);
    const build = path.join(project, 'build', 'mp');
    assert.equal(uncooked(await run(['fs', 'cat', ':config.py'])), readFileSync(path.join(build, 'config.py'), 'utf8'));
    assert.ok((await run(['fs', 'sha256sum', ':lib/mpyiot/app.py'])).includes(sha256(readFileSync(path.join(build, 'lib/mpyiot/app.py')))));

    await run(['fs', 'rm', ':main.py', '+', 'fs', 'cp', path.join(build, 'main.py'), ':main.py']);
    const again = await runCli(['deploy', '--port', sim.path, '--json'], { cwd: project });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    const result = again.json<{ ports: { result: { uploaded: string[]; skipped: string[] } }[] }>().ports[0]!.result;
    assert.deepEqual(result.uploaded, []);
    assert.ok(result.skipped.includes('main.py'), 'deploy hashed the file mpremote wrote and found it up to date');
  });
});

describe('mpremote on a virtual ESP8266 behind simulate --pty', { skip: skipWithoutMpremote }, () => {
  let sim: RunningSimulator;
  let work: string;
  before(async () => {
    const project = await buildLab({ brokerUrl: 'mqtt://127.0.0.1:9', devices: [{ name: 'mp8266', board: 'esp8266', telemetry: { students: ['A'], group: 'G', sensor: 'simulated' } }] });
    sim = await startSimulator(['--pty', '-d', 'mp8266'], project);
    work = tempDir({ 'note.txt': 'ESP8266 ✓\n' });
  });
  after(() => sim.stop());

  test("its port, its ~1 MiB filesystem, a copy both ways, and Ctrl-D keeping the chip's reset cause", async () => {
    const result = await mpremote(sim.path, ['exec', 'import sys; print(sys.platform)', '+', 'fs', 'cp', 'note.txt', ':note.txt', '+', 'fs', 'cp', ':note.txt', 'back.txt', '+', 'df', '+', 'soft-reset', 'eval', '__import__("machine").reset_cause()'], { cwd: work });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^esp8266\r?$/m);
    assert.match(result.stdout, /^<VfsLfs2>\s+1048576\s+\d+\s+\d+\s+\d+\s+\/$/m);
    // An ESP8266 reports the chip's last reset (power-on, 0) after a soft reboot.
    assert.match(result.stdout.trim(), /\n0$/);
    assert.equal(readFileSync(path.join(work, 'back.txt'), 'utf8'), 'ESP8266 ✓\n');
  });
});
