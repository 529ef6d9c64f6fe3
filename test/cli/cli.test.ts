import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { commands } from '../../tools/cli/main.ts';
import { runCli, tempDir } from '../helpers/cli.ts';

test('every command has --help with examples', async () => {
  for (const command of commands) {
    const name = command.command.split(' ')[0]!;
    const run = await runCli([name, '--help'], { cwd: tempDir() });
    assert.equal(run.code, 0, name);
    assert.match(run.stdout, /Examples:/, `${name} --help shows examples`);
    assert.match(run.stdout, new RegExp(`mpy-iot ${name}`), name);
  }
  const top = await runCli(['--help'], { cwd: tempDir() });
  assert.equal(top.code, 0);
  for (const command of commands) assert.match(top.stdout, new RegExp(`mpy-iot ${command.command.split(' ')[0]}\\b`));
  assert.match(top.stdout, /Exit codes: 0 ok, 1 verification failed, 2 bad input, 3 device/);
});

test('bad arguments exit 2 and say what to do', async () => {
  const unknown = await runCli(['biuld'], { cwd: tempDir() });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Did you mean build\?|Unknown argument: biuld/);
  const none = await runCli([], { cwd: tempDir() });
  assert.equal(none.code, 2);
  const badFlag = await runCli(['build', '--frobnicate'], { cwd: tempDir() });
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /Unknown argument/);
  const json = await runCli(['build', '--frobnicate', '--json'], { cwd: tempDir() });
  assert.equal(json.code, 2);
  assert.equal(json.json<{ ok: boolean; error: { exitCode: number } }>().error.exitCode, 2);
});

test('the installed bin runs: npx-style spawn of tools/cli/bin.mjs', () => {
  const bin = path.resolve(import.meta.dirname, '../../tools/cli/bin.mjs');
  const run = spawnSync(process.execPath, [bin, 'boards', '--json'], { encoding: 'utf8', cwd: tempDir() });
  assert.equal(run.status, 0, run.stderr);
  assert.ok(Array.isArray((JSON.parse(run.stdout) as { boards: unknown }).boards));
  const bad = spawnSync(process.execPath, [bin, 'check'], { encoding: 'utf8', cwd: tempDir(), env: { ...process.env, NO_COLOR: '1' } });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^mpy-iot: no project file/);
});
