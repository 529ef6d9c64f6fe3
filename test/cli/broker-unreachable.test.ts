// Nothing listening at the broker's address: watch and verify say so at once (exit 3, one line
// naming the address and a fix), not after 10 s of "reconnecting", and print nothing after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NOTHING_LISTENS_PORT } from '../helpers/brokers.ts';
import { tempDir } from '../helpers/cli.ts';
import { mpyIot } from '../helpers/spawnCli.ts';

for (const command of [['watch'], ['verify', '--duration', '30s']]) {
  test(`${command[0]} with nothing listening: exit 3 within seconds, one error naming the address, then silence`, async () => {
    const port = NOTHING_LISTENS_PORT;
    // The bug this guards took the 10 s connect timeout (or reconnected for ever). What a loaded
    // host adds (seconds to start node + tsx and load the command) is measured beside it: the same
    // command's --help, started at the same moment, under the same load.
    const timed = async (args: string[]): Promise<{ run: Awaited<ReturnType<typeof mpyIot>>; ms: number }> => {
      const started = Date.now();
      const run = await mpyIot(args, { cwd: tempDir() });
      return { run, ms: Date.now() - started };
    };
    const [{ run, ms: elapsed }, { ms: startup }] = await Promise.all([timed([...command, '-b', `mqtt://127.0.0.1:${port}`, '-t', 'DATA/#']), timed([command[0]!, '--help'])]);
    assert.equal(run.code, 3, run.stderr);
    assert.ok(elapsed - startup < 5000, `took ${elapsed} ms, ${elapsed - startup} ms more than its --help`);
    const lines = run.stderr.trimEnd().split('\n').filter((l) => !/^verifying on /.test(l));
    assert.doesNotMatch(run.stderr, /reconnecting|offline/);
    assert.match(lines[0]!, new RegExp(`^mpy-iot: could not connect to mqtt://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`));
    assert.match(lines[1]!, /fix: nothing accepts connections there: start a broker/);
    assert.equal(lines.length, 2, run.stderr);
    assert.equal(run.stdout, '');
  });
}
