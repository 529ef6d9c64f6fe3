// Crafted traffic fed straight to the tracker: validation reasons, seq accounting, status, intervals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { payloadValidator, TelemetryTracker, type DeviceStats } from '../../tools/harness/index.ts';
import { tempDir } from '../helpers/cli.ts';
import { birth, lab, labDevices, will } from './fixtures.ts';

const devices = labDevices([
  { name: 'team-1', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01' } },
  { name: 'team-2', identity: { deviceId: 'dev2' }, telemetry: { students: ['Петрова А.С'], group: 'БАГ-18-02', topics: ['DATA/{mac}', '$devices/{deviceId}/events'] } },
  { name: 'team-3', telemetry: { students: ['Сидоров'], group: 'БАГ-18-03' } },
]);
const MAC1 = 'DATA/240ac4000001';

function row(tracker: TelemetryTracker, key: string): DeviceStats {
  const found = tracker.snapshot().devices.find((d) => d.key === key);
  assert.ok(found, `row ${key}`);
  return found;
}

test('valid lab payload with Cyrillic: counted, labelled with the project device by its group', () => {
  const t = new TelemetryTracker({ devices });
  const r = t.ingest(MAC1, lab({ seq: 0 }), 1000);
  assert.equal(r.valid, true);
  assert.equal(r.error, null);
  assert.equal(r.seq, 0);
  assert.equal(r.kind, 'telemetry');
  const d = row(t, '240ac4000001');
  assert.equal(d.device, 'team-1');
  assert.equal(d.group, 'БАГ-18-01');
  assert.deepEqual(d.lastPayload, { temperature: 21.5, students: ['Иванов И.И'], group: 'БАГ-18-01', seq: 0 });
  assert.equal(d.messages, 1);
  assert.equal(d.valid, 1);
  assert.deepEqual(t.snapshot().missing, [{ device: 'team-2', group: 'БАГ-18-02', students: ['Петрова А.С'] }, { device: 'team-3', group: 'БАГ-18-03', students: ['Сидоров'] }]);
});

test('every kind of bad payload is invalid with a clear reason, never a throw; the first error is kept', () => {
  const t = new TelemetryTracker({ devices, maxPayloadBytes: 1024 });
  const cases: [Buffer, string, string | null, RegExp][] = [
    [lab({ temperature: 'hot' }), 'schema', '/temperature', /^\/temperature must be number$/],
    [Buffer.from('{"temperature": 21'), 'not-json', null, /^not JSON: /],
    [Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3]), 'not-utf8', null, /^not UTF-8 text$/],
    [Buffer.alloc(0), 'empty', null, /^empty payload$/],
    [Buffer.alloc(2048, 0x20), 'too-large', null, /^payload too large: 2048 bytes > 1024$/],
    [Buffer.from('{"students": ["a"], "group": "g"}'), 'schema', '', /^missing required field 'temperature'$/],
    [lab({ extra: 1 }), 'schema', '/extra', /^\/extra is not allowed/],
    [lab({ students: [] }), 'schema', '/students', /^\/students must NOT have fewer than 1 items$/],
    [Buffer.from('null'), 'schema', '', /must be object/],
    [Buffer.from('[1,2]'), 'schema', '', /must be object/],
    [lab({ seq: -1 }), 'schema', '/seq', /^\/seq must be >= 0$/],
  ];
  for (const [payload, kind, path, reason] of cases) {
    const r = t.ingest(MAC1, payload, 1000);
    assert.equal(r.valid, false, `${payload.subarray(0, 40).toString()} should be invalid`);
    assert.equal(r.error?.kind, kind);
    assert.equal(r.error?.path, path);
    assert.match(r.error?.reason ?? '', reason);
  }
  const d = row(t, '240ac4000001');
  assert.equal(d.invalid, cases.length);
  assert.equal(d.valid, 0);
  assert.deepEqual(d.invalidByKind, { schema: 7, 'not-json': 1, 'not-utf8': 1, empty: 1, 'too-large': 1 });
  assert.equal(d.firstError?.reason, '/temperature must be number');
  assert.equal(d.firstError?.topic, MAC1);
  assert.equal(t.snapshot().totals.invalid, cases.length);
});

test('the default limit is 256 KB', () => {
  const t = new TelemetryTracker({});
  assert.equal(t.ingest('x', Buffer.alloc(256 * 1024 + 1, 0x20), 0).error?.kind, 'too-large');
  assert.equal(t.ingest('x', Buffer.alloc(256 * 1024, 0x20), 0).error?.kind, 'not-json');
});

test('seq: gaps counted as missing numbers, duplicates counted, a late arrival fills its gap', () => {
  const t = new TelemetryTracker({ devices });
  for (const seq of [0, 1, 2, 4, 5, 5, 7, 8]) t.ingest(MAC1, lab({ seq }), 1000 + seq);
  let s = row(t, '240ac4000001').seq;
  assert.deepEqual(s, { last: 8, missing: 2, missingSample: [3, 6], duplicates: 1, resets: 0, recentResets: [] });
  t.ingest(MAC1, lab({ seq: 3 }), 2000);
  s = row(t, '240ac4000001').seq;
  assert.equal(s?.missing, 1);
  assert.deepEqual(s?.missingSample, [6]);
  assert.equal(s?.duplicates, 1);
});

test('reboot: seq back to 0 is a reset, not a gap or duplicate — with or without a birth seen', () => {
  const t = new TelemetryTracker({ devices });
  for (const seq of [0, 1, 2, 3]) t.ingest(MAC1, lab({ seq }), seq);
  t.ingest(MAC1, lab({ seq: 0 }), 10); // no birth on the status topic: 0 alone says reboot
  t.ingest(MAC1, lab({ seq: 1 }), 11);
  t.ingest('$devices/team-1/state', birth('team-1', 1), 20);
  t.ingest(MAC1, lab({ seq: 0 }), 21);
  let s = row(t, '240ac4000001').seq;
  assert.deepEqual(s, { last: 0, missing: 0, missingSample: [], duplicates: 0, resets: 2, recentResets: [10, 21] });
  // A reboot seen through the birth whose first payload got lost: 0 and 1 of the new count are missing.
  for (const seq of [1, 2, 3, 4, 5]) t.ingest(MAC1, lab({ seq }), 30 + seq);
  t.ingest('$devices/team-1/state', birth('team-1', 1), 40);
  t.ingest(MAC1, lab({ seq: 2 }), 41);
  s = row(t, '240ac4000001').seq;
  assert.deepEqual(s, { last: 2, missing: 2, missingSample: [0, 1], duplicates: 0, resets: 3, recentResets: [10, 21, 41] });
});

test('a reconnect birth (connects > 1) is not a reboot: buffered payloads continue the count', () => {
  const t = new TelemetryTracker({ devices });
  for (const seq of [0, 1, 2]) t.ingest(MAC1, lab({ seq }), seq * 1000);
  t.ingest('$devices/team-1/state', will, 3000);
  t.ingest('$devices/team-1/state', birth('team-1', 2), 9000);
  for (const seq of [2, 3, 4]) t.ingest(MAC1, lab({ seq }), 9000 + seq); // 2 again: sent twice around the break
  const d = row(t, '240ac4000001');
  assert.deepEqual(d.seq, { last: 4, missing: 0, missingSample: [], duplicates: 1, resets: 0, recentResets: [] });
  assert.equal(d.status, 'online');
  assert.equal(d.connects, 2);
  assert.equal(d.interval.maxMs, 1000, 'the interval spanning the outage is not measured');
});

test('last will → offline; birth → online with boot cause and connects; status-only boards get a row', () => {
  const t = new TelemetryTracker({ devices });
  t.ingest('$devices/team-3/state', birth('team-3'), 100);
  let d = row(t, 'team-3');
  assert.equal(d.status, 'online');
  assert.equal(d.messages, 0);
  assert.equal(d.boot, 'power_on');
  t.ingest(MAC1, lab({ seq: 0 }), 200);
  t.ingest('$devices/team-1/state', birth('team-1'), 150);
  t.ingest('$devices/team-1/state', will, 300);
  d = row(t, '240ac4000001');
  assert.equal(d.status, 'offline');
  assert.equal(d.statusAt, 300);
  assert.equal(d.connects, 1, 'the will keeps what the birth said');
  const bad = t.ingest('$devices/team-1/state', Buffer.from('up'), 400);
  assert.equal(bad.valid, false);
  assert.equal(bad.kind, 'status');
  assert.equal(row(t, '240ac4000001').status, 'offline');
  const totals = t.snapshot().totals;
  assert.equal(totals.status, 4);
  assert.equal(totals.online, 1);
  assert.equal(totals.offline, 1);
});

test('intervals: mean and jitter (population standard deviation) per board', () => {
  const t = new TelemetryTracker({});
  for (const at of [0, 1000, 2000, 3000, 4200]) t.ingest('DATA/a', lab(), at);
  const d = row(t, 'DATA/a');
  assert.equal(d.interval.samples, 4);
  assert.equal(d.interval.meanMs, 1050);
  assert.equal(d.interval.jitterMs, 86.6);
  assert.equal(d.interval.minMs, 1000);
  assert.equal(d.interval.maxMs, 1200);
});

test('a board on a MAC topic and an id topic: two rows, one board; each topic keeps its own seq', () => {
  const t = new TelemetryTracker({ devices });
  for (const seq of [0, 1, 2]) {
    t.ingest('DATA/240ac4000002', lab({ seq, students: ['Петрова А.С'] }, 'БАГ-18-02'), seq);
    t.ingest('$devices/dev2/events', lab({ seq, students: ['Петрова А.С'] }, 'БАГ-18-02'), seq);
  }
  const snap = t.snapshot();
  assert.equal(snap.totals.devices, 2);
  assert.equal(snap.totals.boards, 1);
  assert.equal(row(t, '240ac4000002').device, 'team-2');
  assert.equal(row(t, 'dev2').device, 'team-2');
  assert.equal(row(t, 'dev2').seq?.duplicates, 0);
});

test('unknown boards and other topics: labelled by key, other traffic counted apart', () => {
  const t = new TelemetryTracker({ devices, topics: ['extra/#'] });
  t.ingest('DATA/240ac4000009', lab({}, 'ЧУЖАЯ-1'), 0);
  t.ingest('extra/x', lab(), 0);
  t.ingest('RESULT', Buffer.from('hello'), 0);
  t.ingest('$devices/team-1/events/reply', Buffer.from('{"id": 1, "ok": true}'), 0);
  const snap = t.snapshot();
  assert.equal(row(t, '240ac4000009').device, null);
  assert.equal(row(t, '240ac4000009').group, 'ЧУЖАЯ-1');
  assert.match(row(t, '240ac4000009').foreign ?? '', /^not in this class/);
  assert.equal(row(t, 'extra/x').messages, 1);
  assert.equal(snap.totals.other, 1);
  assert.equal(snap.totals.replies, 1);
  assert.equal(snap.totals.messages, 2);
  assert.equal(snap.totals.boards, 1, 'a board not in this class is not counted');
});

test('takeChanged reports each changed row once', () => {
  const t = new TelemetryTracker({});
  t.ingest('a', lab(), 0);
  t.ingest('a', lab(), 1);
  t.ingest('b', lab(), 1);
  assert.deepEqual(t.takeChanged().map((d) => [d.key, d.messages]), [['a', 2], ['b', 1]]);
  assert.deepEqual(t.takeChanged(), []);
});

test('a birth from other firmware (no connects) resets only when seq did not go up', () => {
  const t = new TelemetryTracker({ devices });
  const plainBirth = Buffer.from('{"status": "online"}');
  for (const seq of [0, 1, 2]) t.ingest(MAC1, lab({ seq }), seq);
  t.ingest('$devices/team-1/state', plainBirth, 5);
  t.ingest(MAC1, lab({ seq: 3 }), 6);
  assert.deepEqual(row(t, '240ac4000001').seq, { last: 3, missing: 0, missingSample: [], duplicates: 0, resets: 0, recentResets: [] });
  t.ingest('$devices/team-1/state', plainBirth, 7);
  t.ingest(MAC1, lab({ seq: 1 }), 8);
  assert.deepEqual(row(t, '240ac4000001').seq, { last: 1, missing: 1, missingSample: [0], duplicates: 0, resets: 1, recentResets: [8] });
});

test('a custom schema file is used; an unreadable one is an InputError', () => {
  const dir = tempDir({ 'humid.schema.json': { type: 'object', required: ['humidity'], properties: { humidity: { type: 'number', maximum: 100 } } } });
  const t = new TelemetryTracker({ schemaPath: path.join(dir, 'humid.schema.json') });
  assert.equal(t.ingest('h', Buffer.from('{"humidity": 40}'), 0).valid, true);
  assert.equal(t.ingest('h', Buffer.from('{"humidity": 140}'), 0).error?.reason, '/humidity must be <= 100');
  assert.equal(t.ingest('h', lab(), 0).error?.reason, "missing required field 'humidity'");
  const modern = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'number' }], items: false };
  const t2 = new TelemetryTracker({ validate: payloadValidator(modern) });
  assert.equal(t2.ingest('h', Buffer.from('[1]'), 0).valid, true);
  assert.equal(t2.ingest('h', Buffer.from('[1, 2]'), 0).error?.reason, 'must NOT have more than 1 items');
  assert.throws(() => new TelemetryTracker({ schemaPath: '/nonexistent/schema.json' }), (e: Error & { exitCode?: number }) => e.exitCode === 2 && /cannot read the payload schema/.test(e.message));
});
