// A fresh `init --template iot-core` has no certificates yet: check says which certs command makes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, tempDir } from '../helpers/cli.ts';

test('check names the certs command for each missing certificate file', async () => {
  const dir = tempDir();
  assert.equal((await runCli(['init', '.', '--template', 'iot-core'], { cwd: dir })).code, 0);
  const run = await runCli(['check', '--json'], { cwd: dir });
  assert.equal(run.code, 2, run.stdout);
  const issues = run.json<{ error: { issues: { path: string; message: string; hint?: string }[] } }>().error.issues.filter((i) => /file not found/.test(i.message));
  assert.ok(issues.length > 0, run.stdout);
  assert.ok(issues.some((i) => /mpy-iot certs device dev-1/.test(i.hint ?? '')), JSON.stringify(issues));
  assert.ok(issues.some((i) => i.path.endsWith('.ca') && /mpy-iot certs init/.test(i.hint ?? '')), JSON.stringify(issues));
});
