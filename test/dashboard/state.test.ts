// What the cards say, from the harness's own tracker fed with the lab's messages at chosen times:
// presence and since-when (online, offline by the last will, silent when nothing came for three
// intervals, even after a birth), boards not in the class kept apart, and the chart history.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadProject } from '../../tools/config/index.ts';
import { TemperatureHistory } from '../../tools/dashboard/history.ts';
import { dashboardState } from '../../tools/dashboard/state.ts';
import { TelemetryTracker } from '../../tools/harness/index.ts';
import { tempDir } from '../helpers/cli.ts';

const T0 = 1_700_000_000_000;
const devices = loadProject({
  project: tempDir({
    'mpy-iot.json': {
      defaults: { wifi: { ssid: 'lab', password: 'lab-password' }, mqtt: { url: 'mqtt://127.0.0.1:1883' }, telemetry: { intervalSeconds: 2 } },
      devices: [
        { name: 'team-1', board: 'esp32', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01' } },
        { name: 'team-2', board: 'esp32', telemetry: { students: ['Петрова А.С'], group: 'БАГ-18-01' } },
        { name: 'team-3', board: 'esp32', telemetry: { students: ['Сидоров П.П'], group: 'БАГ-18-02' } },
      ],
    },
  }),
  env: {},
}).devices;
const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
const lab = (students: string[], group: string, temperature: number): Buffer => json({ temperature, students, group });
const view = (tracker: TelemetryTracker, at: number) =>
  dashboardState({ snapshot: tracker.snapshot(at), devices, language: 'en', broker: 'mqtt://127.0.0.1:1883', connection: 'connected', commands: false, collisions: [] });

test('presence and since-when: online, offline from its will, silent after three intervals, never heard', () => {
  const tracker = new TelemetryTracker({ devices, startedAt: T0 });
  for (let i = 0; i < 5; i++) tracker.ingest('DATA/240ac4000001', lab(['Иванов И.И'], 'БАГ-18-01', 21 + i / 10), T0 + 2000 * i);
  tracker.ingest('$devices/team-2/state', json({ status: 'online', name: 'team-2', mac: '240ac4000002', connects: 1 }), T0);
  tracker.ingest('DATA/240ac4000002', lab(['Петрова А.С'], 'БАГ-18-01', 22), T0 + 1000);
  tracker.ingest('$devices/team-2/state', json({ status: 'offline', mac: '240ac4000002' }), T0 + 5000);
  let state = view(tracker, T0 + 8500);
  const card = (name: string) => state.cards.find((c) => c.device === name)!;
  assert.deepEqual(state.cards.map((c) => c.id), ['team-1', 'team-2', 'team-3']);
  assert.deepEqual([card('team-1').presence, card('team-1').since, card('team-1').temperature, card('team-1').messages], ['online', T0, 21.4, 5]);
  assert.equal(card('team-1').intervalMs, 2000);
  assert.deepEqual([card('team-2').presence, card('team-2').since], ['offline', T0 + 5000]);
  assert.deepEqual([card('team-3').presence, card('team-3').since, card('team-3').key, card('team-3').commandable], ['silent', T0, null, true]);
  assert.equal(card('team-3').passed, false);
  assert.deepEqual(state.totals, { boards: 3, online: 1, offline: 1, silent: 1, messages: 6, invalid: 0 });
  // team-1's last message was at T0 + 8 s: 3 intervals (6 s) later it is silent, since that message.
  state = view(tracker, T0 + 14_500);
  assert.deepEqual([card('team-1').presence, card('team-1').since], ['silent', T0 + 8000]);
});

test('a board that says it is online but sends nothing turns silent after three intervals', () => {
  const tracker = new TelemetryTracker({ devices, startedAt: T0 });
  tracker.ingest('$devices/team-3/state', json({ status: 'online', name: 'team-3', mac: '240ac4000003', connects: 1 }), T0 + 1000);
  assert.equal(view(tracker, T0 + 3000).cards[2]!.presence, 'online');
  const later = view(tracker, T0 + 8000).cards[2]!;
  assert.deepEqual([later.presence, later.since], ['silent', T0 + 1000]);
});

test('invalid payloads: count and first error on the team card; boards not in the class apart', () => {
  const tracker = new TelemetryTracker({ devices, startedAt: T0 });
  tracker.ingest('DATA/240ac4000003', json({ temperature: '22', students: ['Сидоров П.П'], group: 'БАГ-18-02' }), T0);
  tracker.ingest('DATA/240ac4ffffff', lab(['Гость'], 'ИВТ-20-01', 30), T0);
  const state = view(tracker, T0 + 1000);
  const team3 = state.cards.find((c) => c.device === 'team-3')!;
  assert.deepEqual([team3.invalid, team3.firstError, team3.passed], [1, '/temperature must be number', false]);
  assert.equal(state.cards.length, 3);
  assert.deepEqual(state.foreign.map((c) => [c.key, c.students, c.commandable]), [['240ac4ffffff', ['Гость'], false]]);
  assert.match(state.foreign[0]!.foreign!, /not in this class/);
  assert.deepEqual(state.grades.foreign.map((f) => f.key), ['240ac4ffffff']);
});

test('chart history: numeric temperatures only, the new points once, bounded per board', () => {
  const history = new TemperatureHistory(3);
  const tracker = new TelemetryTracker({ devices, startedAt: T0 });
  const feed = (topic: string, payload: Buffer, at: number): void => history.add(tracker.ingest(topic, payload, at));
  for (let i = 0; i < 4; i++) feed('DATA/240ac4000001', lab(['Иванов И.И'], 'БАГ-18-01', 20 + i), T0 + 1000 * i);
  feed('DATA/240ac4000001', json({ temperature: 'hot' }), T0 + 5000);
  feed('$devices/team-1/state', json({ status: 'online' }), T0 + 5000);
  assert.deepEqual(history.takeFresh(), { '240ac4000001': [[T0 / 1000, 20], [T0 / 1000 + 1, 21], [T0 / 1000 + 2, 22], [T0 / 1000 + 3, 23]] });
  assert.deepEqual(history.takeFresh(), {});
  assert.deepEqual(history.all(), { '240ac4000001': [[T0 / 1000 + 1, 21], [T0 / 1000 + 2, 22], [T0 / 1000 + 3, 23]] });
});

test("a team heard from two boards: its card shows the board its grade is about (most valid, then most messages)", () => {
  const tracker = new TelemetryTracker({ devices, startedAt: T0 });
  // Board A: one valid payload and one invalid; board B: one valid payload. Equal valid counts.
  tracker.ingest('DATA/240ac40000bb', lab(['Иванов И.И'], 'БАГ-18-01', 22), T0 + 1000);
  tracker.ingest('DATA/240ac40000aa', lab(['Иванов И.И'], 'БАГ-18-01', 21), T0 + 2000);
  tracker.ingest('DATA/240ac40000aa', json({ students: ['Иванов И.И'], group: 'БАГ-18-01' }), T0 + 3000);
  const state = view(tracker, T0 + 4000);
  const card = state.cards.find((c) => c.device === 'team-1')!;
  const grade = state.grades.teams.find((t) => t.device === 'team-1')!;
  assert.equal(card.key, '240ac40000aa', 'the board with as many valid payloads and more messages');
  assert.equal(grade.mac, card.key, 'the card and the grade speak of the same board');
});
