// Subscriptions derived from the project, and who sent a message judged by its topic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterCovers, filterMatches, normalizeMac, watchTargets } from '../../tools/harness/index.ts';
import { labDevices } from './fixtures.ts';

const devices = labDevices([
  { name: 'team-1', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01' } },
  {
    name: 'team-2',
    identity: { deviceId: 'are1dev2', registryId: 'reg-1' },
    mqtt: { statusTopic: 'lab/{group}/{mac}/status' },
    telemetry: { students: ['Петрова А.С'], group: 'БАГ-18-02', topics: ['DATA/{mac}', '$devices/{deviceId}/events'] },
  },
]);

test('filters: build-time placeholders expanded, {mac} levels become +, duplicates merged', () => {
  const targets = watchTargets(devices, ['extra/#']);
  assert.deepEqual([...targets.filters].sort(), [
    '$devices/are1dev2/events',
    '$devices/are1dev2/events/reply',
    '$devices/team-1/events/reply',
    '$devices/team-1/state',
    'DATA/+',
    'extra/#',
    'lab/БАГ-18-02/+/status',
  ]);
  assert.deepEqual(targets.deviceNames, ['team-1', 'team-2']);
});

test('identify: MAC topics key by normalised MAC, id topics by device id, shared templates list candidates', () => {
  const { identify } = watchTargets(devices, ['extra/#']);
  assert.deepEqual(identify('DATA/240AC4123456'), { key: '240ac4123456', kind: 'telemetry', candidates: ['team-1', 'team-2'], byMac: true });
  assert.deepEqual(identify('$devices/are1dev2/events'), { key: 'are1dev2', kind: 'telemetry', device: 'team-2' });
  assert.deepEqual(identify('$devices/team-1/state'), { key: 'team-1', kind: 'status', device: 'team-1' });
  assert.deepEqual(identify('lab/БАГ-18-02/24:0a:c4:12:34:56/status'), { key: '240ac4123456', kind: 'status', device: 'team-2', byMac: true });
  assert.deepEqual(identify('$devices/are1dev2/events/reply'), { key: 'are1dev2', kind: 'reply', device: 'team-2' });
  assert.deepEqual(identify('extra/a/b'), { key: 'extra/a/b', kind: 'telemetry' });
  assert.deepEqual(identify('RESULT'), { key: 'RESULT', kind: 'other' });
  assert.equal(identify('DATA/240AC4123456'), identify('DATA/240AC4123456'), 'answers are cached per topic');
});

test('a template whose {mac} shares a level with text still captures the MAC', () => {
  const [d] = labDevices([{ name: 'x', telemetry: { topics: ['lab/mac-{mac}/t'] } }]);
  const targets = watchTargets([d!]);
  assert.ok(targets.filters.includes('lab/+/t'));
  assert.equal(targets.identify('lab/mac-aabbccddeeff/t').key, 'aabbccddeeff');
  assert.equal(targets.identify('lab/mac-aabbccddeeff/t').kind, 'telemetry');
});

test('MQTT matching rules and filter coverage', () => {
  assert.ok(filterMatches('DATA/+', 'DATA/abc'));
  assert.ok(!filterMatches('DATA/+', 'DATA/abc/x'));
  assert.ok(filterMatches('DATA/#', 'DATA'));
  assert.ok(filterMatches('#', 'a/b'));
  assert.ok(!filterMatches('#', '$devices/x/events'), 'wildcards do not reach $ topics');
  assert.ok(!filterMatches('+/x/events', '$devices/x/events'));
  assert.ok(filterCovers('#', 'DATA/+'));
  assert.ok(filterCovers('DATA/+', 'DATA/abc'));
  assert.ok(!filterCovers('DATA/abc', 'DATA/+'));
  assert.ok(!filterCovers('#', '$devices/+/events'));
  assert.deepEqual(watchTargets([], ['DATA/+', 'DATA/#', 'DATA/x']).filters, ['DATA/#']);
  assert.equal(normalizeMac('24-0A-C4-12-34-56'), '240ac4123456');
  assert.equal(normalizeMac('not-a-mac'), 'not-a-mac');
});
