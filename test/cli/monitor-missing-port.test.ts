// monitor on a port that is not there: a clear error and exit 3 after a short grace, not a blank
// screen forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, tempDir } from '../helpers/cli.ts';
import { runnableClock } from '../helpers/clock.ts';

test('monitor --port /dev/does-not-exist: says the port is missing, how to find the right one, exit 3', async () => {
  // On this thread's own clock: a busy machine's other work does not make the grace look longer.
  const now = runnableClock();
  const started = now();
  const run = await runCli(['monitor', '--port', '/dev/does-not-exist', '--no-color'], { cwd: tempDir() });
  assert.equal(run.code, 3, run.stderr);
  assert.ok(now() - started < 8000, `took ${now() - started} ms`);
  assert.match(run.stderr, /\/dev\/does-not-exist is not there; waiting 3 s/);
  assert.match(run.stderr, /mpy-iot: cannot open \/dev\/does-not-exist/);
  assert.match(run.stderr, /fix: .*run 'mpy-iot ports'/);
});
