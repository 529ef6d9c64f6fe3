// Two boards of one group share DATA/{mac}: the harness still tells which project device each is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TelemetryTracker } from '../../tools/harness/index.ts';
import { labDevices } from './fixtures.ts';

const devices = labDevices([
  { name: 'team-1', telemetry: { students: ['Иванов И.И'], group: 'G1' } },
  { name: 'team-2', telemetry: { students: ['Петрова А.С'], group: 'G1' } },
]);
const payload = (students: string[]): Buffer => Buffer.from(JSON.stringify({ temperature: 21.5, students, group: 'G1' }));

test('by the students in the payload, when the births were missed', () => {
  const tracker = new TelemetryTracker({ devices });
  tracker.ingest('DATA/240ac4000001', payload(['Петрова А.С']), 1000);
  tracker.ingest('DATA/240ac4000002', payload(['Иванов И.И']), 1000);
  const byKey = Object.fromEntries(tracker.snapshot().devices.map((d) => [d.key, d.device]));
  assert.deepEqual(byKey, { '240ac4000001': 'team-2', '240ac4000002': 'team-1' });
  assert.deepEqual(tracker.snapshot().missing, []);
});

test('by the MAC in the birth on the device-id status topic, when the payload does not name its team', () => {
  const tracker = new TelemetryTracker({ devices });
  tracker.ingest('$devices/team-2/state', Buffer.from(JSON.stringify({ status: 'online', name: 'team-2', mac: '24:0A:C4:00:00:07', boot: 'power_on', connects: 1 })), 900);
  tracker.ingest('DATA/240ac4000007', Buffer.from('{"temperature": "22.5"}'), 1000);
  const row = tracker.snapshot().devices.find((d) => d.key === '240ac4000007');
  assert.equal(row?.device, 'team-2');
  assert.equal(row?.status, 'online');
  assert.equal(row?.invalid, 1, 'the invalid payload is on the team row');
  assert.deepEqual(tracker.snapshot().missing.map((m) => m.device), ['team-1']);
});

test('an invalid payload that names its team is on that team\'s row, never a silent roster row', () => {
  const tracker = new TelemetryTracker({ devices });
  tracker.ingest('DATA/240ac4000008', Buffer.from(JSON.stringify({ temperature: '22.5', students: ['Петрова А.С'], group: 'G1' })), 1000);
  const row = tracker.snapshot().devices.find((d) => d.key === '240ac4000008');
  assert.equal(row?.device, 'team-2');
  assert.equal(row?.firstError?.reason, '/temperature must be number');
  assert.deepEqual(tracker.snapshot().missing.map((m) => m.device), ['team-1']);
});

test('a board whose birth claims a roster name but whose payload names another team is not in this class', () => {
  const tracker = new TelemetryTracker({ devices });
  // Two default `init` labs are both called team-1: their births claim it, their students do not match.
  for (const mac of ['240ac4aaaaaa', '240ac4bbbbbb']) {
    tracker.ingest('$devices/team-1/state', Buffer.from(JSON.stringify({ status: 'online', name: 'team-1', mac, boot: 'power_on', connects: 1 })), 900);
    tracker.ingest(`DATA/${mac}`, payload(['Иванов И.И', 'Петрова А.С']), 1000);
  }
  tracker.ingest('DATA/240ac4cccccc', Buffer.from(JSON.stringify({ temperature: 20, students: ['Гость'], group: 'ЧУЖАЯ-1' })), 1000);
  const snap = tracker.snapshot();
  const rows = Object.fromEntries(snap.devices.map((d) => [d.key, d]));
  assert.equal(rows['240ac4aaaaaa']?.device, null);
  assert.match(rows['240ac4aaaaaa']?.foreign ?? '', /not in this class: sends as Иванов И.И, Петрова А.С \(G1\), but its birth says team-1, which is Иванов И.И \(G1\)/);
  assert.equal(rows['240ac4bbbbbb']?.device, null);
  assert.match(rows['240ac4cccccc']?.foreign ?? '', /not in this class: no team Гость \(ЧУЖАЯ-1\) on the roster/);
  assert.deepEqual(snap.missing.map((m) => m.device), ['team-1', 'team-2'], 'the claims do not make team-1 heard from');
});

test('two MACs born on one client id, reconnecting: a client-id collision naming both boards', () => {
  const tracker = new TelemetryTracker({ devices });
  const born = (name: string, mac: string, connects: number, at: number): void => {
    tracker.ingest(`$devices/${name}/state`, Buffer.from(JSON.stringify({ status: 'online', name, mac, cid: 'lab', boot: 'power_on', connects })), at);
  };
  born('team-1', '240ac4000001', 1, 0);
  born('team-2', '240ac4000002', 1, 10);
  assert.deepEqual(tracker.snapshot().collisions, [], 'a first connect of each is not yet a fight');
  born('team-1', '240ac4000001', 2, 1000);
  born('team-2', '240ac4000002', 2, 2000);
  assert.deepEqual(tracker.snapshot().collisions, [{ clientId: 'lab', boards: ['team-1 (240ac4000001)', 'team-2 (240ac4000002)'], births: 4 }]);
  // A board reconnecting on its own client id is not a collision.
  born('team-1', '240ac4000001', 3, 3000);
  const other = new TelemetryTracker({ devices });
  other.ingest('$devices/team-1/state', Buffer.from(JSON.stringify({ status: 'online', name: 'team-1', mac: '240ac4000001', cid: 'mpy-iot-240ac4000001', connects: 5 })), 0);
  assert.deepEqual(other.snapshot().collisions, []);
});

test('a birth claiming a roster name never makes a second row for a device that already has one', () => {
  const tracker = new TelemetryTracker({ devices });
  tracker.ingest('DATA/240ac4000001', payload(['Иванов И.И']), 1000);
  // A default lab's board, also called team-1, was up before: its retained birth arrives, no payload yet.
  tracker.ingest('$devices/team-1/state', Buffer.from(JSON.stringify({ status: 'online', name: 'team-1', mac: '240ac4aaaaaa', connects: 1 })), 1001);
  const rows = tracker.snapshot().devices;
  assert.deepEqual(rows.map((d) => [d.key, d.device]), [['240ac4000001', 'team-1']]);
  // team-2's board was up before we started: online, no telemetry yet: its row says so.
  tracker.ingest('$devices/team-2/state', Buffer.from(JSON.stringify({ status: 'online', name: 'team-2', mac: '240ac4000002', connects: 1 })), 1003);
  const team2 = tracker.snapshot().devices.find((d) => d.device === 'team-2');
  assert.equal(team2?.status, 'online');
  assert.equal(team2?.messages, 0);
});

test('a board on device-id topics only (IoT Core): its birth and will (with MAC) set its presence', () => {
  const iot = labDevices([{ name: 'dev-a', identity: { deviceId: 'are0001' }, telemetry: { students: ['Иванов И.И'], group: 'G1', topics: ['$devices/{deviceId}/events'] } }]);
  const tracker = new TelemetryTracker({ devices: iot });
  tracker.ingest('$devices/are0001/events', payload(['Иванов И.И']), 1000);
  tracker.ingest('$devices/are0001/state', Buffer.from(JSON.stringify({ status: 'online', name: 'dev-a', mac: '240ac4000042', connects: 1 })), 1100);
  const row = (): { status: string } | undefined => tracker.snapshot().devices.find((d) => d.key === 'are0001');
  assert.equal(row()?.status, 'online');
  tracker.ingest('$devices/are0001/state', Buffer.from('{"status": "offline", "mac": "240ac4000042"}'), 1200);
  assert.equal(row()?.status, 'offline');
  assert.equal(tracker.snapshot().devices.length, 1, 'the MAC birth makes no second row');
});
