// Grading per team from tracker snapshots (no broker): verdicts, words, RESULT addressing, CSV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradesCsv, gradeTeams, gradingPlan, resultPayload, TelemetryTracker } from '../../tools/harness/index.ts';
import { labDevices } from './fixtures.ts';

const devices = labDevices([
  { name: 'team-1', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01' } },
  { name: 'team-2', telemetry: { students: ['Петрова А.С'], group: 'БАГ-18-01' } },
  { name: 'team-3', telemetry: { students: ['Сидоров С.С'], group: 'БАГ-18-02' } },
  { name: 'team-4', telemetry: { students: ['Ng K.', 'Ли В.'], group: 'БАГ-18-02' } },
]);
const send = (t: TelemetryTracker, mac: string, fields: Record<string, unknown>, at: number): void => {
  t.ingest(`DATA/${mac}`, Buffer.from(JSON.stringify({ temperature: 21.5, ...fields })), at);
};

/** team-1 and team-4 healthy, team-2 silent, team-3 sends "22.5" as text, two boards not in this class. */
function classroom(): TelemetryTracker {
  const t = new TelemetryTracker({ devices, startedAt: 0 });
  for (let i = 0; i < 4; i++) {
    send(t, '240ac4000001', { students: ['Иванов И.И'], group: 'БАГ-18-01' }, 1000 * i);
    send(t, '240ac4000003', { temperature: '22.5', students: ['Сидоров С.С'], group: 'БАГ-18-02' }, 1000 * i);
    send(t, '240ac4000004', { students: ['Ng K.', 'Ли В.'], group: 'БАГ-18-02' }, 1000 * i);
    send(t, '240ac4000009', { students: ['Гость'], group: 'ЧУЖАЯ-1' }, 1000 * i);
  }
  // A default `init` lab on the same broker: its birth says team-1, its payload names other students.
  t.ingest('$devices/team-1/state', Buffer.from(JSON.stringify({ status: 'online', name: 'team-1', mac: '240ac4aaaaaa', boot: 'power_on', connects: 1 })), 10);
  send(t, '240ac4aaaaaa', { students: ['Иванов И.И', 'Петрова А.С'], group: 'БАГ-18-01' }, 20);
  return t;
}

test('one verdict per team: healthy teams pass, silent and invalid ones fail with their reason, foreign boards are not graded', () => {
  const grades = gradeTeams(classroom().snapshot(10_000), devices, { minMessages: 3 });
  assert.equal(grades.passed, false);
  assert.deepEqual(grades.teams.map((g) => [g.device, g.passed, g.mac]), [
    ['team-1', true, '240ac4000001'], ['team-2', false, null], ['team-3', false, '240ac4000003'], ['team-4', true, '240ac4000004'],
  ]);
  assert.equal(grades.teams[0]?.message, 'Иванов И.И — accepted: 4 valid payloads');
  assert.deepEqual(grades.teams[1]?.reasons, ['nothing received in 10 s (no telemetry, no status)']);
  assert.deepEqual(grades.teams[2]?.reasons, ['4 of 4 payloads invalid: /temperature must be number', '0 valid payloads in 10 s, at least 3 needed']);
  assert.equal(grades.teams[2]?.message, 'Сидоров С.С — not accepted: 4 of 4 payloads invalid: /temperature must be number');
  assert.deepEqual(grades.foreign.map((f) => f.key).sort(), ['240ac4000009', '240ac4aaaaaa']);
  // Only the failing teams fail: a silent team does not fail its group mates.
  assert.equal(gradeTeams(classroom().snapshot(10_000), devices.filter((d) => d.name === 'team-1' || d.name === 'team-4'), { minMessages: 3 }).passed, true);
});

test('Russian verdicts carry no English reasons', () => {
  const grades = gradeTeams(classroom().snapshot(10_000), devices, { minMessages: 3, language: 'ru' });
  assert.equal(grades.teams[0]?.message, 'Иванов И.И — зачтено (корректных сообщений: 4)');
  assert.equal(grades.teams[1]?.message, 'Петрова А.С — не зачтено: за 10 с ничего не получено (ни телеметрии, ни статуса)');
  assert.equal(grades.teams[2]?.message, 'Сидоров С.С — не зачтено: некорректных сообщений 4 из 4: поле /temperature: должно быть числом');
  for (const t of grades.teams) assert.doesNotMatch(t.message.replace(/\/\S+/g, ''), /[a-z]{3,}/, t.message);
});

test('RESULT addressed to the board: by MAC when heard from, else by name, students and group', () => {
  const [one, two] = gradeTeams(classroom().snapshot(10_000), devices, { minMessages: 3 }).teams;
  assert.deepEqual(JSON.parse(resultPayload(one!).toString('utf8')), {
    group: 'БАГ-18-01', message: 'Иванов И.И — accepted: 4 valid payloads', passed: true, device: 'team-1', students: ['Иванов И.И'], mac: '240ac4000001',
  });
  const silent = JSON.parse(resultPayload(two!).toString('utf8')) as Record<string, unknown>;
  assert.equal(silent.mac, undefined);
  assert.deepEqual([silent.device, silent.students, silent.group], ['team-2', ['Петрова А.С'], 'БАГ-18-01']);
  assert.deepEqual(Object.keys(silent).slice(0, 2), ['group', 'message'], "the lab's {group, message} form first");
});

test('CSV for the gradebook: one line per team, foreign boards marked, quoting and formula-safe', () => {
  const csv = gradesCsv(gradeTeams(classroom().snapshot(10_000), devices, { minMessages: 3 }));
  assert.ok(csv.startsWith('\uFEFFgroup,students,device,board,verdict,reason,valid,invalid,messages\r\n'));
  const lines = csv.slice(1).trimEnd().split('\r\n');
  assert.equal(lines.length, 1 + 4 + 2);
  assert.equal(lines[1], 'БАГ-18-01,Иванов И.И,team-1,240ac4000001,passed,,4,0,4');
  assert.equal(lines[2], 'БАГ-18-01,Петрова А.С,team-2,,failed,nothing received in 10 s (no telemetry, no status),0,0,0'.replace('nothing received in 10 s (no telemetry, no status)', '"nothing received in 10 s (no telemetry, no status)"'));
  assert.match(lines[5] ?? '', /not in this class/);
});

test('grading plan from each board interval: 3 intervals + slack; a late message never fails a healthy board', () => {
  const lab = labDevices([
    { name: 'a', telemetry: { intervalSeconds: 10, students: ['Иванов И.И'], group: 'БАГ-18-01' } },
    { name: 'b', telemetry: { intervalSeconds: 2, students: ['Петрова А.С'], group: 'БАГ-18-01' } },
  ]);
  const plan = gradingPlan(lab);
  assert.equal(plan.durationMs, 40_000);
  assert.deepEqual([...plan.minMessages], [['a', 3], ['b', 3]]);
  const fast = gradingPlan(labDevices([{ name: 'a', telemetry: { intervalSeconds: 1 } }]));
  assert.equal(fast.durationMs, 8000);
  // A board every 10 s, started at a random phase, with one message 3 s late: still 3 in 40 s.
  const t = new TelemetryTracker({ devices: lab, startedAt: 0 });
  for (const at of [7000, 17_000, 30_000]) send(t, '240ac4000001', { students: ['Иванов И.И'], group: 'БАГ-18-01' }, at);
  assert.equal(gradeTeams(t.snapshot(40_000), lab, { minMessages: plan.minMessages }).teams[0]?.passed, true);
  assert.equal(gradingPlan(lab, { durationMs: 5000, minMessages: 1 }).minMessages.get('a'), 1);
});
