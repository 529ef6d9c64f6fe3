// Students' typos in who they are, and boards publishing too fast, judged from tracker snapshots
// (no broker): the verdict must name the team and say what to fix, and a healthy board — the real
// team-1 next to a default lab also calling itself team-1, a board flushing its offline buffer
// after a reconnect — must never fail because of these rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, gradeTeams, TelemetryTracker } from '../../tools/harness/index.ts';
import { labDevices } from './fixtures.ts';

const devices = labDevices([
  { name: 'team-1', telemetry: { students: ['Иванов И.И'], group: 'G1', intervalSeconds: 1 } },
  { name: 'team-2', telemetry: { students: ['Петрова А.С', 'Ли В.'], group: 'G1', intervalSeconds: 1 } },
  { name: 'team-3', telemetry: { students: ['Сидоров С.С'], group: 'G2', intervalSeconds: 1 } },
]);
const born = (t: TelemetryTracker, name: string, mac: string, at: number, connects = 1): void => {
  t.ingest(`$devices/${name}/state`, Buffer.from(JSON.stringify({ status: 'online', name, mac, boot: 'power_on', connects })), at);
};
const send = (t: TelemetryTracker, mac: string, students: unknown, group: string, at: number, seq?: number): void => {
  t.ingest(`DATA/${mac}`, Buffer.from(JSON.stringify({ temperature: 21.5, students, group, ...(seq === undefined ? {} : { seq }) })), at);
};

test('a group typo and a team listed in another order: the team\'s own row, failing on the group only', () => {
  const t = new TelemetryTracker({ devices, startedAt: 0 });
  born(t, 'team-2', '240ac4000002', 0);
  for (let i = 1; i <= 5; i++) send(t, '240ac4000002', ['Ли В.', 'Петрова А.С'], 'G-1', 1000 * i);
  const snap = t.snapshot(6000);
  const row = snap.devices.find((d) => d.key === '240ac4000002');
  assert.equal(row?.device, 'team-2');
  assert.equal(row?.foreign, null);
  assert.deepEqual(row?.mismatch, { group: { sent: 'G-1', expected: 'G1' }, students: null }, 'the students are the same people: only the group is off');
  const team2 = gradeTeams(snap, devices, { minMessages: 3, language: 'ru' }).teams[1]!;
  assert.equal(team2.passed, false);
  assert.equal(team2.mac, '240ac4000002', 'the verdict is addressed to the board');
  assert.deepEqual(team2.reasons, ["в сообщениях группа 'G-1', а в списке класса 'G1'"]);
  assert.deepEqual(evaluate(snap, { devices, expectDevices: 1 }).reasons, ["team-2 (240ac4000002): the payload says group 'G-1', the class list says 'G1'"]);
});

test('the team\'s students in another order, with the right group: the team passes, with or without a birth', () => {
  for (const withBirth of [true, false]) {
    const t = new TelemetryTracker({ devices, startedAt: 0 });
    if (withBirth) born(t, 'team-2', '240ac4000002', 0);
    for (let i = 1; i <= 4; i++) send(t, '240ac4000002', ['Ли В.', 'Петрова А.С'], 'G1', 1000 * i);
    const snap = t.snapshot(5000);
    const row = snap.devices.find((d) => d.key === '240ac4000002');
    assert.deepEqual([row?.device, row?.foreign, row?.mismatch], ['team-2', null, null], `birth seen: ${withBirth}`);
    const team2 = gradeTeams(snap, devices, { minMessages: 3 }).teams[1]!;
    assert.deepEqual([team2.passed, team2.reasons], [true, []], `birth seen: ${withBirth}`);
    assert.deepEqual(evaluate(snap, { devices, expectDevices: 1 }).reasons, [], `birth seen: ${withBirth}`);
  }
});

test('a per-device topic (DATA/team-2, IoT Core events) is checked against the roster too: a group typo fails, another order does not', () => {
  const perDevice = labDevices([
    { name: 'team-1', telemetry: { students: ['Иванов И.И'], group: 'G1', intervalSeconds: 1, topics: ['DATA/{name}'] } },
    { name: 'team-2', telemetry: { students: ['Петрова А.С', 'Ли В.'], group: 'G1', intervalSeconds: 1, topics: ['DATA/{name}'] } },
  ]);
  const t = new TelemetryTracker({ devices: perDevice, startedAt: 0 });
  for (let i = 1; i <= 4; i++) {
    send(t, 'team-1', ['Иванов И.И'], 'G1', 1000 * i);
    send(t, 'team-2', ['Ли В.', 'Петрова А.С'], 'G-1', 1000 * i);
  }
  const snap = t.snapshot(5000);
  assert.deepEqual(snap.devices.map((d) => [d.key, d.device, d.mismatch]), [
    ['team-1', 'team-1', null],
    ['team-2', 'team-2', { group: { sent: 'G-1', expected: 'G1' }, students: null }],
  ]);
  const grades = gradeTeams(snap, perDevice, { minMessages: 3 });
  assert.deepEqual(grades.teams.map((g) => [g.device, g.passed, g.reasons]), [
    ['team-1', true, []],
    ['team-2', false, ["the payload says group 'G-1', the class list says 'G1'"]],
  ]);
  assert.deepEqual(evaluate(snap, { devices: perDevice }).reasons, ["team-2: the payload says group 'G-1', the class list says 'G1'"]);
});

test('no students in the payload: the team its birth names, failing with the schema\'s reason first', () => {
  const t = new TelemetryTracker({ devices, startedAt: 0 });
  born(t, 'team-3', '240ac4000003', 0);
  for (let i = 1; i <= 4; i++) send(t, '240ac4000003', [], 'G2', 1000 * i);
  const snap = t.snapshot(5000);
  assert.deepEqual(snap.missing.map((m) => m.device), ['team-1', 'team-2'], 'team-3 was heard from');
  const team3 = gradeTeams(snap, devices, { minMessages: 3, language: 'ru' }).teams[2]!;
  assert.deepEqual(team3.reasons.slice(0, 2), ['некорректных сообщений 4 из 4: поле /students: не должно быть пустым', "в сообщениях нет студентов, а в списке класса 'Сидоров С.С'"]);
});

test('a board that calls itself team-1 with other students is not team-1; the real team-1 passes', () => {
  const t = new TelemetryTracker({ devices, startedAt: 0 });
  born(t, 'team-1', '240ac4aaaaaa', 0);
  born(t, 'team-1', '240ac4000001', 0);
  for (let i = 1; i <= 4; i++) {
    send(t, '240ac4aaaaaa', ['Иванов И.И', 'Петрова А.С'], 'G1', 1000 * i); // a default `init` lab
    send(t, '240ac4000001', ['Иванов И.И'], 'G1', 1000 * i);
  }
  const grades = gradeTeams(t.snapshot(5000), devices, { minMessages: 3 });
  assert.equal(grades.teams[0]!.passed, true, grades.teams[0]!.reasons.join('; '));
  assert.deepEqual(grades.foreign.map((f) => f.key), ['240ac4aaaaaa']);
});

test('a team only heard through a board that misspells a name: its row says which board and what it sent, not "nothing received"', () => {
  const t = new TelemetryTracker({ devices, startedAt: 0 });
  born(t, 'team-3', '240ac4000033', 0);
  for (let i = 1; i <= 4; i++) send(t, '240ac4000033', ['Сидоров C.C'], 'G2', 1000 * i); // Latin C
  const snap = t.snapshot(5000);
  const team3 = gradeTeams(snap, devices, { minMessages: 3 }).teams[2]!;
  assert.equal(team3.passed, false);
  assert.equal(team3.reasons[0], "board 240ac4000033 says it is this team, but its payload names 'Сидоров C.C' (G2); the class list says 'Сидоров С.С' (G2)");
  assert.match(evaluate(snap).reasons.join('\n'), /team-3: board 240ac4000033 says it is this team/);
});

test('too fast: ten times the interval fails; a reconnect flushing its offline buffer does not', () => {
  const one = devices.slice(0, 1);
  const fast = new TelemetryTracker({ devices: one, startedAt: 0 });
  born(fast, 'team-1', '240ac4000001', 0);
  for (let i = 1; i <= 60; i++) send(fast, '240ac4000001', ['Иванов И.И'], 'G1', 100 * i, i);
  const fastGrades = gradeTeams(fast.snapshot(6000), one, { minMessages: 3 });
  assert.equal(fastGrades.teams[0]!.passed, false);
  assert.equal(fastGrades.teams[0]!.reasons[0], 'publishes every 0.1 s (60 payloads in 6 s), the project says every 1 s');

  const burst = new TelemetryTracker({ devices: one, startedAt: 0 });
  born(burst, 'team-1', '240ac4000001', 0);
  let seq = 0;
  for (let i = 1; i <= 3; i++) send(burst, '240ac4000001', ['Иванов И.И'], 'G1', 1000 * i, seq++);
  born(burst, 'team-1', '240ac4000001', 3500, 2); // reconnected: 10 buffered payloads at once, then on schedule
  for (let i = 0; i < 10; i++) send(burst, '240ac4000001', ['Иванов И.И'], 'G1', 3600 + 10 * i, seq++);
  for (let i = 4; i <= 6; i++) send(burst, '240ac4000001', ['Иванов И.И'], 'G1', 1000 * i, seq++);
  const snap = burst.snapshot(6000);
  assert.equal(gradeTeams(snap, one, { minMessages: 3 }).teams[0]!.passed, true);
  assert.equal(evaluate(snap, { devices: one }).passed, true, evaluate(snap, { devices: one }).reasons.join('\n'));
});

test('no telemetry: an online board is told to check its topic and interval, an offline one that it is offline', () => {
  const t = new TelemetryTracker({ devices, startedAt: 0 });
  born(t, 'team-1', '240ac4000001', 0);
  born(t, 'team-2', '240ac4000002', 0);
  t.ingest('$devices/team-2/state', Buffer.from(JSON.stringify({ status: 'offline', mac: '240ac4000002' })), 100);
  const [team1, team2] = gradeTeams(t.snapshot(5000), devices, { minMessages: 3 }).teams;
  assert.equal(team1!.reasons[0], 'no telemetry on DATA/{mac} in 5 s, though the board is online: check the topic it publishes to and its interval');
  assert.equal(team2!.reasons[0], 'no telemetry on DATA/{mac} in 5 s: the board is offline (its last will)');
});

test('too few payloads from a board publishing slower than the project says: the reason gives both intervals', () => {
  const t = new TelemetryTracker({ devices, startedAt: 0 });
  born(t, 'team-1', '240ac4000001', 0);
  for (const at of [1000, 4000, 7000]) send(t, '240ac4000001', ['Иванов И.И'], 'G1', at);
  const [team1] = gradeTeams(t.snapshot(8000), devices, { minMessages: 5, language: 'ru' }).teams;
  assert.equal(team1!.reasons[0], 'за 8 с корректных сообщений 3, нужно не меньше 5 (сообщения раз в 3 с, а по заданию — раз в 1 с)');
});

test('a board in a reboot loop fails (its seq starts over again and again); one reboot is allowed', () => {
  const run = (reboots: number): { grade: string[]; verify: string[] } => {
    const t = new TelemetryTracker({ devices: devices.slice(0, 1), startedAt: 0 });
    let at = 0;
    for (let boot = 0; boot <= reboots; boot++) {
      born(t, 'team-1', '240ac4000001', (at += 100));
      for (let seq = 0; seq < 3; seq++) send(t, '240ac4000001', ['Иванов И.И'], 'G1', (at += 1000), seq);
    }
    const snap = t.snapshot(at + 500);
    return { grade: gradeTeams(snap, devices.slice(0, 1), { minMessages: 3, language: 'ru' }).teams[0]!.reasons, verify: evaluate(snap, { devices: devices.slice(0, 1) }).reasons };
  };
  assert.deepEqual(run(1), { grade: [], verify: [] });
  const loop = run(3);
  assert.deepEqual(loop.grade, ['плата перезагрузилась 3 раз за 13 с (seq начинался заново): посмотрите в консоли ошибку перед перезагрузкой']);
  assert.deepEqual(loop.verify, ['team-1 (240ac4000001): the board rebooted 3 times in 13 s (its seq started over): look at its console for the error before each reset']);
});

test('a roster that lists no students for a team: the board its birth names, or its group\'s only one, is that team\'s', () => {
  const unnamed = labDevices([
    { name: 'team-1', telemetry: { group: 'G1' } },
    { name: 'team-2', telemetry: { group: 'G2' } },
  ]);
  const t = new TelemetryTracker({ devices: unnamed, startedAt: 0 });
  born(t, 'team-1', '240ac4000001', 0);
  for (let i = 1; i <= 3; i++) {
    send(t, '240ac4000001', ['Иванов И.И'], 'G1', 1000 * i);
    send(t, '240ac4000002', ['Петрова А.С'], 'G2', 1000 * i); // no birth seen
  }
  const grades = gradeTeams(t.snapshot(4000), unnamed, { minMessages: 3 });
  assert.deepEqual(grades.teams.map((g) => [g.device, g.passed, g.mac]), [['team-1', true, '240ac4000001'], ['team-2', true, '240ac4000002']]);
  assert.deepEqual(grades.foreign, []);
});

// A 45-minute lesson on the dashboard: payloads every 10 s; a reset (a birth, seq from 0) before
// the payload following each time in `resets`; the board stops sending at `lastMs`.
const lesson = (resets: number[], lastMs = 45 * 60_000): { grade: string[]; verify: string[] } => {
  const one = devices.slice(0, 1);
  const t = new TelemetryTracker({ devices: one, startedAt: 0 });
  let seq = 0;
  for (let at = 10_000; at <= lastMs; at += 10_000) {
    if (resets.some((r) => r > at - 10_000 && r <= at)) {
      born(t, 'team-1', '240ac4000001', at - 1);
      seq = 0;
    }
    send(t, '240ac4000001', ['Иванов И.И'], 'G1', at, seq++);
  }
  const snap = t.snapshot(45 * 60_000);
  assert.equal(snap.devices[0]!.seq?.resets, resets.length, 'every reset was seen');
  return { grade: gradeTeams(snap, one, { minMessages: 3 }).teams[0]!.reasons, verify: evaluate(snap, { devices: one }).reasons };
};
const minutes = (from: number, every: number, count: number): number[] => Array.from({ length: count }, (_, i) => (from + every * i) * 60_000 + 5_000);

test('over a lesson, a team that redeployed 11 times while iterating and now runs fine passes', () => {
  assert.deepEqual(lesson(minutes(2, 3, 11)), { grade: [], verify: [] });
});

test('over a lesson, a board crash-looping every 40 s for the last 5 minutes fails, though 7 resets are few for 45 minutes', () => {
  const loop = minutes(40, 2 / 3, 7);
  const expected = { grade: ['the board rebooted 7 times in 300 s (its seq started over): look at its console for the error before each reset'], verify: ['team-1 (240ac4000001): the board rebooted 7 times in 300 s (its seq started over): look at its console for the error before each reset'] };
  assert.deepEqual(lesson(loop), expected);
  // Crash-looped and then died: judged on its last 5 minutes on air, not on the silence since.
  assert.deepEqual(lesson(minutes(30, 2 / 3, 7), 35 * 60_000), expected);
});

test('over a lesson, a crash loop the team fixed 20 minutes ago does not fail it: the grade is about the board now', () => {
  assert.deepEqual(lesson(minutes(20, 2 / 3, 7)), { grade: [], verify: [] });
});

test('grade and verify name the same problems of a board, in the same order (one set of checks)', () => {
  const one = devices.slice(0, 1);
  const t = new TelemetryTracker({ devices: one, startedAt: 0 });
  let seq = 0;
  for (let i = 0; i < 60; i++) {
    if (i % 15 === 0) {
      born(t, 'team-1', '240ac4000001', 100 * i + 50);
      seq = 0;
    }
    send(t, '240ac4000001', ['Иванов И.И'], 'G-1', 100 * i + 100, seq++);
  }
  const snap = t.snapshot(6000);
  const grade = gradeTeams(snap, one, { minMessages: 3 }).teams[0]!.reasons;
  assert.deepEqual(grade, [
    "the payload says group 'G-1', the class list says 'G1'",
    'the board rebooted 3 times in 6 s (its seq started over): look at its console for the error before each reset',
    'publishes every 0.1 s (60 payloads in 6 s), the project says every 1 s',
  ]);
  assert.deepEqual(evaluate(snap, { devices: one }).reasons, grade.map((r) => `team-1 (240ac4000001): ${r}`));
});

test('three deploys in a row late in the lesson, then a board running for three minutes: not a reboot loop', () => {
  // Resets at 41:05, 41:35 and 42:05, then it runs to 45:00 — under the old count it failed.
  assert.deepEqual(lesson([41 * 60_000 + 5_000, 41.5 * 60_000 + 5_000, 42 * 60_000 + 5_000]), { grade: [], verify: [] });
});

test('a board swapped for a new one after it crash-looped: the team is judged on the board it has now', () => {
  const one = devices.slice(0, 1);
  const t = new TelemetryTracker({ devices: one, startedAt: 0 });
  // The first board resets every 40 s in minutes 2-5 and is then taken away…
  let seq = 0;
  const resets = minutes(2, 2 / 3, 5);
  for (let at = 10_000; at <= 5 * 60_000; at += 10_000) {
    if (resets.some((r) => r > at - 10_000 && r <= at)) {
      born(t, 'team-1', '240ac4000001', at - 1);
      seq = 0;
    }
    send(t, '240ac4000001', ['Иванов И.И'], 'G1', at, seq++);
  }
  // …and the new one runs cleanly from 5:30 to the end of the lesson.
  born(t, 'team-1', '240ac4000009', 5.5 * 60_000 - 1);
  for (let at = 5.5 * 60_000, s = 0; at <= 45 * 60_000; at += 10_000) send(t, '240ac4000009', ['Иванов И.И'], 'G1', at, s++);
  const snap = t.snapshot(45 * 60_000);
  assert.deepEqual(gradeTeams(snap, one, { minMessages: 3 }).teams[0]!.reasons, []);
  assert.deepEqual(evaluate(snap, { devices: one }).reasons, []);
  // Had the old board kept looping beside the new one, it would still fail.
  born(t, 'team-1', '240ac4000001', 44 * 60_000);
  for (const at of [44.2, 44.5, 44.8]) {
    born(t, 'team-1', '240ac4000001', at * 60_000);
    send(t, '240ac4000001', ['Иванов И.И'], 'G1', at * 60_000 + 1, 0);
  }
  assert.match(gradeTeams(t.snapshot(45 * 60_000), one, { minMessages: 3 }).teams[0]!.reasons.join('\n'), /rebooted \d+ times in 300 s/);
});
