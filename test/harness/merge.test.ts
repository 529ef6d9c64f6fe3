// `verify --merge`: a fleet judged from its --share verifiers' JSON reports fails for what any one
// of them saw that the fleet would fail for — a roster board no verifier heard, a client id several
// boards use — and a report is not counted twice. From report files; no boards needed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli, tempDir } from '../helpers/cli.ts';

interface Heard {
  key: string;
  device: string;
  messages: number;
}

/** A `verify --share … --report part.json` report: boards heard, roster boards not heard, collisions. */
function part(heard: Heard[], options: { silent?: string[]; silentAs?: 'missing' | 'row'; collision?: { clientId: string; boards: string[]; births: number } } = {}): object {
  const silent = options.silent ?? [];
  const asRow = options.silentAs === 'row';
  const collisions = options.collision ? [options.collision] : [];
  const fleetReasons = collisions.map((c) => `client id ${c.clientId} is used by ${c.boards.length} boards: ${c.boards.join(' and ')}; the broker disconnects one whenever another connects (${c.births} connects so far) — give each board its own mqtt.clientId (the default mpy-iot-{mac} is unique)`);
  const rows = [
    ...heard.map((h) => ({ key: h.key, device: h.device, group: 'G', passed: true, reasons: [], stats: { key: h.key, device: h.device, messages: h.messages, valid: h.messages, invalid: 0 } })),
    ...(asRow ? silent.map((name) => ({ key: name, device: name, group: 'G', passed: false, reasons: [`${name}: nothing received in 10.0 s (no telemetry, no status)`], stats: null })) : []),
  ];
  return {
    passed: silent.length === 0 && collisions.length === 0,
    reasons: fleetReasons,
    fleetReasons,
    startedAt: '2026-12-01T20:00:00.000Z',
    endedAt: '2026-12-01T20:00:10.000Z',
    durationMs: 10_000,
    totals: { boards: heard.length, messages: heard.reduce((n, h) => n + h.messages, 0) },
    missing: asRow ? [] : silent.map((device) => ({ device, group: 'G', students: ['A'] })),
    collisions,
    devices: rows,
  };
}

const a = { key: '240ac4000001', device: 'team-1', messages: 3 };
const b = { key: '240ac4000002', device: 'team-2', messages: 2 };
const bShare = { ...b, messages: 1 };

async function merge(files: Record<string, object>, extra: string[] = []): Promise<{ code: number; reasons: string[]; stderr: string }> {
  const dir = tempDir(files);
  const run = await runCli(['verify', '--merge', ...Object.keys(files), '--json', ...extra], { cwd: dir });
  const reasons = run.code === 2 ? [] : (JSON.parse(run.stdout) as { reasons: string[] }).reasons;
  return { code: run.code, reasons, stderr: run.stderr };
}

test('verify --merge passes a fleet every board of which some verifier heard', async () => {
  const run = await merge({ 'p1.json': part([a, b]), 'p2.json': part([a], { silent: ['team-2'] }) });
  assert.equal(run.code, 0, run.reasons.join('\n'));
});

test('verify --merge fails a roster board no verifier heard, naming it (listed as missing or as a row without stats)', async () => {
  for (const silentAs of ['missing', 'row'] as const) {
    const run = await merge({ 'p1.json': part([a, b], { silent: ['team-3'], silentAs }), 'p2.json': part([a, bShare], { silent: ['team-3'], silentAs }) });
    assert.equal(run.code, 1, `${silentAs}: the merge fails`);
    assert.ok(run.reasons.some((r) => /^team-3: heard by none of the 2 reports/.test(r)), `${silentAs}: ${run.reasons.join('\n')}`);
    assert.equal(run.reasons.length, 1, run.reasons.join('\n'));
  }
});

test('verify --merge fails a client-id collision any verifier saw (with or without --expect-devices)', async () => {
  const collision = { clientId: 'lab-board', boards: ['team-1 (240ac4000001)', 'team-2 (240ac4000002)'], births: 4 };
  for (const extra of [[], ['--expect-devices', '2']]) {
    const run = await merge({ 'p1.json': part([a, b]), 'p2.json': part([a, bShare], { collision }) }, extra);
    assert.equal(run.code, 1, `${extra.join(' ')}: the merge fails`);
    assert.ok(run.reasons.some((r) => r.startsWith('client id lab-board is used by 2 boards: team-1 (240ac4000001) and team-2 (240ac4000002)')), run.reasons.join('\n'));
  }
});

test('verify --merge refuses the same report given twice, or a copy of it (exit 2, naming both)', async () => {
  const dir = tempDir({ 'p1.json': part([a, b]), 'copy.json': part([a, b]) });
  const twice = await runCli(['verify', '--merge', 'p1.json', './p1.json'], { cwd: dir });
  assert.equal(twice.code, 2, twice.stdout);
  assert.match(twice.stderr, /--merge \.\/p1\.json: the same report as p1\.json/);
  const copy = await runCli(['verify', '--merge', 'p1.json', 'copy.json'], { cwd: dir });
  assert.equal(copy.code, 2, copy.stdout);
  assert.match(copy.stderr, /--merge copy\.json: the same report as p1\.json/);
});
