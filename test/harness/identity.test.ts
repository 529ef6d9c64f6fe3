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

test('by the MAC in the birth on the device-id status topic', () => {
  const tracker = new TelemetryTracker({ devices });
  tracker.ingest('$devices/team-2/state', Buffer.from(JSON.stringify({ status: 'online', name: 'team-2', mac: '24:0A:C4:00:00:07', boot: 'power_on', connects: 1 })), 900);
  // Students identical to team-1's would mislead; the birth's MAC decides first.
  tracker.ingest('DATA/240ac4000007', payload(['someone else']), 1000);
  const row = tracker.snapshot().devices.find((d) => d.key === '240ac4000007');
  assert.equal(row?.device, 'team-2');
  assert.equal(row?.status, 'online');
});
