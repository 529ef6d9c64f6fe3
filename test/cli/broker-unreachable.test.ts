// Nothing listening at the broker's address: watch and verify say so at once (exit 3, one line
// naming the address and a fix), not after 10 s of "reconnecting", and print nothing after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../helpers/brokers.ts';
import { tempDir } from '../helpers/cli.ts';
import { mpyIot } from '../helpers/spawnCli.ts';

for (const command of [['watch'], ['verify', '--duration', '30s']]) {
  test(`${command[0]} with nothing listening: exit 3 within seconds, one error naming the address, then silence`, async () => {
    const port = await freePort();
    const started = Date.now();
    const run = await mpyIot([...command, '-b', `mqtt://127.0.0.1:${port}`, '-t', 'DATA/#'], { cwd: tempDir() });
    const elapsed = Date.now() - started;
    assert.equal(run.code, 3, run.stderr);
    // The bug this guards took the 10 s connect timeout (or reconnected for ever). A loaded host
    // spends seconds just starting node + tsx, so the bound leaves that room and stays under 10 s.
    assert.ok(elapsed < 8000, `took ${elapsed} ms`);
    const lines = run.stderr.trimEnd().split('\n').filter((l) => !/^verifying on /.test(l));
    assert.doesNotMatch(run.stderr, /reconnecting|offline/);
    assert.match(lines[0]!, new RegExp(`^mpy-iot: could not connect to mqtt://127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`));
    assert.match(lines[1]!, /fix: nothing accepts connections there: start a broker/);
    assert.equal(lines.length, 2, run.stderr);
    assert.equal(run.stdout, '');
  });
}
