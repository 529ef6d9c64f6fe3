// What `init` writes for the lab's own test: a package.json whose npm test runs
// test/telemetry.test.ts, and, where a package.json was already there (kept), what it lacks.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { runCli, tempDir } from '../helpers/cli.ts';

const exec = promisify(execFile);

test('init writes an ESM package.json whose npm test runs the scaffolded telemetry test', async () => {
  const dir = tempDir();
  const run = await runCli(['init', 'lab'], { cwd: dir });
  assert.equal(run.code, 0, run.stderr);
  const pkg = JSON.parse(readFileSync(path.join(dir, 'lab', 'package.json'), 'utf8')) as { type: string; scripts: { test: string }; devDependencies: Record<string, string> };
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.scripts.test, 'node --import tsx --test test/*.test.ts');
  assert.deepEqual(Object.keys(pkg.devDependencies).sort(), ['mpy-iot', 'tsx']);
  // Run from this checkout, whose version may not be on the registry: a file: link to it.
  const spec = pkg.devDependencies['mpy-iot']!;
  assert.match(spec, /^file:/);
  const linked = JSON.parse(readFileSync(path.join(path.resolve(dir, 'lab', spec.slice('file:'.length)), 'package.json'), 'utf8')) as { name: string };
  assert.equal(linked.name, 'mpy-iot');
  assert.match(run.stdout, /npm install/);
  assert.match(readFileSync(path.join(dir, 'lab', 'test', 'telemetry.test.ts'), 'utf8'), /from 'mpy-iot'/);
  assert.match(run.stdout, /test\/telemetry\.test\.ts/);
  assert.doesNotMatch(run.stdout, /package\.json was kept/);
});

test('init in a folder with a CommonJS package.json keeps it and says what the test needs', async () => {
  const dir = tempDir({ 'package.json': { name: 'my-app', scripts: { test: 'vitest' } } });
  const run = await runCli(['init', '.'], { cwd: dir });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')), { name: 'my-app', scripts: { test: 'vitest' } });
  assert.match(run.stdout, /package\.json was kept: for test\/telemetry\.test\.ts it needs "type": "module"/);
});

test('the README flow in a standalone lab: npm install, then npx mpy-iot check runs the pinned mpy-iot', async () => {
  const dir = tempDir();
  assert.equal((await runCli(['init', 'lab'], { cwd: dir })).code, 0);
  const lab = path.join(dir, 'lab');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  // tsx comes from the cache npm ci filled (the registry is reachable in CI when it is not).
  await exec(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: lab, maxBuffer: 16 << 20 });
  const check = await exec(npm, ['exec', '--no', '--', 'mpy-iot', 'check'], { cwd: lab, maxBuffer: 16 << 20 });
  assert.match(check.stdout, /team-1/);
});
