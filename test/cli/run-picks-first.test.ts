// `run` in a class project: "which device?" comes before building anything, and only that device is built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { labProjectJson, runCli, tempDir } from '../helpers/cli.ts';

const classOfFour = (): string =>
  tempDir({ 'mpy-iot.json': labProjectJson({ devices: [1, 2, 3, 4].map((n) => ({ name: `team-${n}`, telemetry: { students: [`Студент ${n}`], group: 'БАГ-18-01' } })) }) });

test('run without --device in a 4-device project: asks which one first, builds nothing, exit 2', async () => {
  const dir = classOfFour();
  const run = await runCli(['run', '--port', '/dev/does-not-exist', '--no-color'], { cwd: dir });
  assert.equal(run.code, 2, run.stderr);
  assert.match(run.stderr, /the project has 4 devices: which one\?/);
  assert.match(run.stderr, /fix: pass --device \(team-1, team-2, team-3, team-4\)/);
  assert.equal(existsSync(path.join(dir, 'build')), false, 'nothing was built');
});

test('run --device team-2 builds team-2 only', async () => {
  const dir = classOfFour();
  const run = await runCli(['run', '--device', 'team-2', '--port', '/dev/does-not-exist', '--no-color'], { cwd: dir });
  assert.equal(run.code, 3, run.stderr); // the port is not there
  assert.ok(existsSync(path.join(dir, 'build', 'team-2', 'manifest.json')));
  for (const other of ['team-1', 'team-3', 'team-4']) assert.equal(existsSync(path.join(dir, 'build', other)), false, other);
});
