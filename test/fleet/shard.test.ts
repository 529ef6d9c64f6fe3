// One fleet split across machines: two `simulate --shard` processes against one external broker
// (Debian's mosquitto) run distinct boards with distinct MACs and client ids, and `verify` sees one
// fleet of the expected size, with no client-id collision.
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { loadProject } from '../../tools/config/index.ts';
import { planFleet } from '../../tools/sim/fleet.ts';
import { hasMosquitto, startMosquitto } from '../helpers/brokers.ts';
import { labProjectJson, runCli, tempDir } from '../helpers/cli.ts';

const bin = path.resolve(import.meta.dirname, '../../tools/cli/bin.mjs');

interface Event {
  type: string;
  board?: string;
  line?: string;
  boards?: { board: string; mac: string; resets: string[] }[];
}

/**
 * `mpy-iot simulate …` in its own process, as on another machine; resolves with its JSON events.
 * `started` resolves once each of its `boards` has sent telemetry: on a loaded host the last board
 * of a shard can boot seconds after the first, and a verify begun then would miss its first payloads.
 */
function simulate(args: string[], cwd: string, boards: number): { started: Promise<void>; done: Promise<{ code: number | null; events: Event[]; stderr: string }> } {
  const child = spawn(process.execPath, [bin, 'simulate', '--jsonl', ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  let markStarted: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    const sending = new Set(stdout.split('\n').slice(0, -1).filter((l) => l.includes('telemetry sent')).map((l) => (JSON.parse(l) as Event).board));
    if (sending.size >= boards) markStarted();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; events: Event[]; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stderr, events: stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event) })),
  );
  return { started, done };
}

test('two simulate --shard processes against one mosquitto: verify sees one fleet of 6 boards, no collisions; two verify --share processes split its stream and --merge judges it', { skip: hasMosquitto() ? false : 'mosquitto is not installed (.ci/run installs it)' }, async () => {
  const broker = await startMosquitto();
  after(() => broker.stop());
  const dir = tempDir({ 'mpy-iot.json': labProjectJson({ devices: [{ name: 'team-1', board: 'esp8266', telemetry: { students: ['A'], group: 'G', sensor: 'simulated', intervalSeconds: 1 } }] }) });
  assert.equal((await runCli(['build'], { cwd: dir })).code, 0);

  // --count 6 is the whole fleet; each machine runs its shard of it.
  const shards = ['1/2', '2/2'].map((shard) => simulate(['--count', '6', '--shard', shard, '--broker', broker.url, '--duration', '25s'], dir, 3));
  await Promise.all(shards.map((s) => s.started));
  // One verifier on the whole stream, and two splitting it (MQTT 5 shared subscription), all at once.
  const verifyArgs = ['verify', '--broker', broker.url, '--duration', '8s'];
  const [verify, ...parts] = await Promise.all([
    runCli([...verifyArgs, '--expect-devices', '6', '--min-messages', '3', '--json'], { cwd: dir }),
    runCli([...verifyArgs, '--share', 'fleet', '--report', 'part1.json', '--expect-devices', '1'], { cwd: dir }),
    runCli([...verifyArgs, '--share', 'fleet', '--report', 'part2.json', '--expect-devices', '1'], { cwd: dir }),
  ]);
  const [one, two] = await Promise.all(shards.map((s) => s.done));
  assert.equal(one!.code, 0, one!.stderr);
  assert.equal(two!.code, 0, two!.stderr);

  const summaries = [one!, two!].map((r) => r.events.at(-1)!.boards!);
  assert.deepEqual(summaries.map((s) => s.map((b) => b.board)), [['team-1', 'team-1#3', 'team-1#5'], ['team-1#2', 'team-1#4', 'team-1#6']], 'each shard ran its half of the fleet');
  const macs = summaries.flat().map((b) => b.mac);
  assert.equal(new Set(macs).size, 6, `six distinct MACs: ${macs.join(' ')}`);
  for (const run of [one!, two!]) {
    assert.deepEqual(run.events.filter((e) => e.type === 'client-id-collision' || e.type === 'reset'), [], 'no board kicked off the broker, none reset');
  }

  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  const report = JSON.parse(verify.stdout) as { ok: boolean; devices: { key: string; stats: { messages: number } | null }[] };
  assert.equal(report.ok, true);
  assert.deepEqual(report.devices.map((d) => d.key).sort(), [...macs].sort(), 'verify saw exactly the six boards of both shards');

  // The shared verifiers split the stream: each got a part of it, together about what one verifier saw.
  const wholeStream = report.devices.reduce((n, d) => n + d.stats!.messages, 0);
  const partCounts = ['part1.json', 'part2.json'].map((f) => (JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { totals: { messages: number } }).totals.messages);
  assert.ok(parts.every((p) => p.code !== 2 && p.code !== 3), parts.map((p) => p.stderr).join('\n'));
  assert.ok(partCounts.every((n) => n > 0 && n < wholeStream), `each shared verifier got a part of the ${wholeStream} messages: ${partCounts.join(' + ')}`);
  assert.ok(Math.abs(partCounts[0]! + partCounts[1]! - wholeStream) <= 12, `the parts add up to the whole stream (${partCounts.join(' + ')} vs ${wholeStream})`);
  const merged = await runCli(['verify', '--merge', 'part1.json', 'part2.json', '--expect-devices', '6', '--min-messages', '3', '--json'], { cwd: dir });
  assert.equal(merged.code, 0, merged.stdout + merged.stderr);
  const verdict = JSON.parse(merged.stdout) as { ok: boolean; devices: { key: string; seenBy: number }[] };
  assert.deepEqual(verdict.devices.map((d) => d.key).sort(), [...macs].sort(), 'the merged verdict judges the six boards');
  const tooMany = await runCli(['verify', '--merge', 'part1.json', 'part2.json', '--expect-devices', '7'], { cwd: dir });
  assert.equal(tooMany.code, 1, 'a fleet short of --expect-devices fails the merge');
  assert.match(tooMany.stdout, /expected 7 devices sending telemetry, the reports saw 6/);
});

test('simulate --shard refuses a malformed or empty shard (exit 2, naming the flag)', async () => {
  const dir = tempDir({ 'mpy-iot.json': labProjectJson() });
  assert.equal((await runCli(['build'], { cwd: dir })).code, 0);
  for (const [shard, message] of [['3/2', /--shard: '3\/2' is not a shard/], ['half', /--shard: 'half' is not a shard/], ['2/2', /--shard 2\/2: this shard has no boards \(the fleet has 1\)/]] as const) {
    const run = await runCli(['simulate', '--shard', shard, '--duration', '1s'], { cwd: dir });
    assert.equal(run.code, 2, `${shard}: ${run.stderr}`);
    assert.match(run.stderr, message);
  }
});

test('verify --share and --merge refuse bad input (exit 2, naming the flag and file)', async () => {
  const dir = tempDir({ 'mpy-iot.json': labProjectJson() });
  const share = await runCli(['verify', '--broker', 'mqtt://127.0.0.1:1', '--share', 'a/b', '--duration', '1s'], { cwd: dir });
  assert.equal(share.code, 2);
  assert.match(share.stderr, /--share 'a\/b': a shared-subscription group name cannot/);
  writeFileSync(path.join(dir, 'junk.json'), '{"hello": 1}');
  for (const [file, message] of [['junk.json', /--merge junk.json: not a verify JSON report/], ['nope.json', /--merge nope.json: cannot read it \(ENOENT\)/], ['mpy-iot.json', /--merge mpy-iot.json: not a verify JSON report/]] as const) {
    const run = await runCli(['verify', '--merge', file], { cwd: dir });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, message);
  }
  const ignored = await runCli(['verify', '--merge', 'junk.json', '-b', 'mqtt://127.0.0.1:1883', '--cafile', 'ca.pem'], { cwd: dir });
  assert.equal(ignored.code, 2, ignored.stderr);
  assert.match(ignored.stderr, /--merge judges saved reports and connects to no broker: --broker, --cafile would be ignored/);
});

test('--fleet: two groups sharding the same project get different MACs; the shards of one fleet agree', async () => {
  const dir = tempDir({ 'mpy-iot.json': labProjectJson() });
  assert.equal((await runCli(['build'], { cwd: dir })).code, 0);
  const project = loadProject({ project: dir, env: {} });
  const macs = (shard: string, fleetName?: string): string[] =>
    planFleet(project, { count: 4, shard: { index: Number(shard[0]), total: 2 }, ...(fleetName ? { fleetName } : {}) }).map((s) => s.options.mac!);
  const groupA = [...macs('1/2', 'group-a'), ...macs('2/2', 'group-a')];
  const groupB = [...macs('1/2', 'group-b'), ...macs('2/2', 'group-b')];
  assert.equal(new Set(groupA).size, 4, 'one fleet: four distinct MACs across its shards');
  assert.deepEqual(macs('1/2', 'group-a'), groupA.slice(0, 2), 'every machine of a fleet derives the same MACs');
  assert.deepEqual(groupA.filter((m) => groupB.includes(m)), [], 'the other group shares none of them');
  assert.notDeepEqual(macs('1/2'), macs('1/2', 'group-a'), 'a named fleet is not the unnamed one');

  const refused = await runCli(['simulate', '--fleet', 'group-a', '--duration', '1s'], { cwd: dir });
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /--fleet group-a: names a fleet split with --shard/);
});
