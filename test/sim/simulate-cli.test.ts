import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startAedes } from '../helpers/brokers.ts';
import { labProjectJson, runCli, tempDir } from '../helpers/cli.ts';
import { until } from '../helpers/until.ts';

test('simulate runs the build against --broker, streams console lines and summarizes', async () => {
  const broker = await startAedes();
  after(() => broker.stop());
  // The project names a broker nobody listens on; --broker sends the boards to the test's broker.
  const dir = tempDir({ 'mpy-iot.json': labProjectJson({ devices: [{ name: 'team-1', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01', intervalSeconds: 1 } }, { name: 'team-2', board: 'esp8266', telemetry: { students: ['B'], group: 'G2', sensor: 'simulated', intervalSeconds: 1 } }] }) });
  assert.equal((await runCli(['build'], { cwd: dir })).code, 0);
  // Stopped (Ctrl-C) once each board has sent twice, not after a fixed time its boot may take on a
  // busy host (json-output.test.ts covers a --duration ending with exit 0).
  const stop = new AbortController();
  let streamed = '';
  const sent = (name: string): number => streamed.split('\n').filter((l) => l.includes(`"board":"${name}"`) && l.includes('telemetry sent')).length;
  const run = await runCli(['simulate', '--duration', '120s', '--broker', broker.url, '--jsonl'], {
    cwd: dir,
    interrupt: stop.signal,
    onStdout: (t) => {
      streamed += t;
      if (sent('team-1') >= 2 && sent('team-2') >= 2) stop.abort();
    },
  });
  assert.equal(run.code, 130, run.stderr);
  const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; board?: string; line?: string; boards?: { board: string; telemetry: number }[] });
  for (const name of ['team-1', 'team-2']) {
    assert.ok(events.some((e) => e.type === 'console' && e.board === name && /telemetry sent/.test(e.line ?? '')), `${name} published`);
  }
  const summary = events.at(-1)!;
  assert.equal(summary.type, 'summary');
  assert.deepEqual(summary.boards!.map((b) => b.board), ['team-1', 'team-2']);
  assert.ok(summary.boards!.every((b) => b.telemetry >= 2));
  // The console says "telemetry sent" once the board's socket took the bytes; the broker parses
  // them on its own socket, in no order with the console lines the run was stopped on.
  await until(() => broker.published.filter((p) => p.topic.startsWith('DATA/')).length >= 4, 'four payloads at the broker', 10_000);
  assert.doesNotMatch(run.stdout + run.stderr, /wifi-secret-123/, 'no secret in output');
});

test('simulate refuses a missing or stale build with the fix', async () => {
  const dir = tempDir({ 'mpy-iot.json': labProjectJson() });
  const missing = await runCli(['simulate', '--duration', '1s'], { cwd: dir });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /has no build.*\n.*run `mpy-iot build` first/);
  assert.equal((await runCli(['build'], { cwd: dir })).code, 0);
  const file = path.join(dir, 'mpy-iot.json');
  const project = JSON.parse(readFileSync(file, 'utf8'));
  project.devices[0].telemetry.group = 'another group';
  writeFileSync(file, JSON.stringify(project));
  const stale = await runCli(['simulate', '--duration', '1s'], { cwd: dir });
  assert.equal(stale.code, 2);
  assert.match(stale.stderr, /build of 'team-1' is stale/);
  const bad = await runCli(['simulate', '--duration', 'soon'], { cwd: dir });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /'soon' is not a duration/);
});
