// `result -g` with a group nobody on the roster is in would publish to no board and look sent.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAedes } from '../helpers/brokers.ts';
import { labProjectJson, runCli, tempDir } from '../helpers/cli.ts';
import { until } from '../helpers/until.ts';

test('result -g with a group not on the roster: refused (exit 2) with did-you-mean, nothing published; --any-group publishes', async () => {
  const broker = await startAedes();
  after(() => broker.stop());
  const project = tempDir({ 'mpy-iot.json': labProjectJson() }); // group БАГ-18-01
  const typo = await runCli(['result', '-g', 'БАГ-18-1', '-m', 'зачтено', '-b', broker.url, '--no-color'], { cwd: project });
  assert.equal(typo.code, 2, typo.stderr);
  assert.match(typo.stderr, /--group БАГ-18-1: no device of the project is in this group, so no board would print the result — did you mean 'БАГ-18-01'\?/);
  assert.match(typo.stderr, /groups on the roster: БАГ-18-01; add --any-group to publish anyway/);
  assert.equal(broker.published.filter((p) => p.topic === 'RESULT').length, 0, 'nothing was published');

  const anyway = await runCli(['result', '-g', 'БАГ-18-1', '-m', 'зачтено', '-b', broker.url, '--any-group'], { cwd: project });
  assert.equal(anyway.code, 0, anyway.stderr);
  const right = await runCli(['result', '-g', 'БАГ-18-01', '-m', 'зачтено', '-b', broker.url], { cwd: project });
  assert.equal(right.code, 0, right.stderr);
  await until(() => broker.published.filter((p) => p.topic === 'RESULT').length >= 2, 'two RESULTs at the broker');
  assert.deepEqual(broker.published.filter((p) => p.topic === 'RESULT').map((p) => (JSON.parse(p.payload.toString()) as { group: string }).group), ['БАГ-18-1', 'БАГ-18-01']);
});

test('result without --message says what is missing', async () => {
  const run = await runCli(['result', '-b', 'mqtt://127.0.0.1:1', '--no-color'], { cwd: tempDir() });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /mpy-iot: what to publish is missing: give --message TEXT/);
  assert.doesNotMatch(run.stderr, /^mpy-iot: $/m);
});

test('result -g with a newline or NUL is refused, even with --any-group', async () => {
  for (const group of ['БАГ-18-01\nx', 'G\u0000']) {
    const run = await runCli(['result', '-g', group, '-m', 'x', '--any-group', '-b', 'mqtt://127.0.0.1:1', '--no-color'], { cwd: tempDir() });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--group .*: must not contain control characters/);
  }
});

test('a device name the project does not have: did you mean, for send, result -d, deploy, state', async () => {
  const project = tempDir({ 'mpy-iot.json': labProjectJson() }); // device team-1
  const broker = ['-b', 'mqtt://127.0.0.1:1'];
  for (const args of [['send', 'team1', 'ping', ...broker], ['result', '-d', 'team1', '-m', 'x', ...broker], ['deploy', '-d', 'team1', '--port', '/dev/x'], ['state', 'team1', ...broker]]) {
    const run = await runCli([...args, '--no-color'], { cwd: project });
    assert.equal(run.code, 2, `${args[0]}: ${run.stderr}`);
    assert.match(run.stderr, /no device 'team1' in the project — did you mean 'team-1'\?/, args[0]);
  }
});
