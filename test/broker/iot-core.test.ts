// The pure rule functions behind the broker hooks, plus building the roster from a project.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResolvedDevice } from '../../tools/config/types.ts';
import { InputError } from '../../tools/errors.ts';
import { buildIotCoreModel, filterReaches, normalizeFingerprint, topicWithin } from '../../tools/broker/iot-core.ts';
import { iotCoreFromProject } from '../../tools/broker/index.ts';

test('topicWithin: a root covers itself and its subtopics, not look-alike siblings', () => {
  const roots = ['$devices/A/events'];
  assert.equal(topicWithin('$devices/A/events', roots), true);
  assert.equal(topicWithin('$devices/A/events/reply', roots), true);
  assert.equal(topicWithin('$devices/A/eventsX', roots), false);
  assert.equal(topicWithin('$devices/A', roots), false);
});

test('filterReaches: which filters can match a root or something below it', () => {
  const root = '$devices/A/events';
  const cases: [string, boolean][] = [
    ['$devices/A/events', true],
    ['$devices/A/events/#', true],
    ['$devices/A/events/+', true],
    ['$devices/+/events', true],
    ['$devices/#', true],
    ['$devices/+/+', true],
    ['$devices/A/#', true],
    ['$devices/B/events', false],
    ['$devices/+/commands', false],
    ['$devices/A', false], // stops above the root
    ['$devices/+', false],
    ['#', false], // [MQTT-4.7.2-1]: a leading wildcard never matches a $ topic
    ['+/A/events', false],
  ];
  for (const [filter, expected] of cases) assert.equal(filterReaches(filter, root), expected, filter);
});

test('fingerprints compare without colons or case', () => {
  assert.equal(normalizeFingerprint('ab:Cd:01'), 'ABCD01');
});

test('a roster with clashing or unsafe ids, or a malformed fingerprint, is an InputError listing each', () => {
  assert.throws(
    () =>
      buildIotCoreModel({
        devices: [{ id: 'R' }, { id: 'x+y' }, { id: 'ok', registryId: 'a#b' }, { id: 'fp', certFingerprint: 'zz' }],
        registries: [{ id: 'R' }],
      }),
    (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.deepEqual(
        error.issues.map((i) => `${i.path}: ${i.message}`),
        [
          "iotCore.devices[0]: id 'R' is already used at iotCore.registries[0]",
          "iotCore.devices[1]: id contains '/', '+', '#' or NUL ('x+y')",
          "iotCore.devices[2].registryId: registry id contains '/', '+', '#' or NUL ('a#b')",
          'iotCore.devices[3].certFingerprint: expected a SHA-256 fingerprint (64 hex digits)',
        ],
      );
      return true;
    },
  );
});

/** Only the fields iotCoreFromProject reads; the rest of ResolvedDevice is irrelevant here. */
function device(name: string, index: number, identity: { deviceId: string; registryId: string | null }, mqtt: { username: string | null; password: string | null }): ResolvedDevice {
  return { name, index, identity: { macFormat: 'hex', ...identity }, mqtt } as unknown as ResolvedDevice;
}

test('iotCoreFromProject: ids and registries from identity; the password only when the username is the device id', () => {
  const config = iotCoreFromProject([
    device('one', 0, { deviceId: 'd1', registryId: 'r1' }, { username: 'd1', password: 'secret-1' }),
    device('two', 1, { deviceId: 'd2', registryId: 'r1' }, { username: 'someone-else', password: 'secret-2' }),
    device('three', 2, { deviceId: 'd3', registryId: null }, { username: null, password: null }),
    device('four', 3, { deviceId: 'd4', registryId: 'r2' }, { username: 'd4', password: null }),
  ]);
  assert.deepEqual(config, {
    devices: [{ id: 'd1', registryId: 'r1', password: 'secret-1' }, { id: 'd2', registryId: 'r1' }, { id: 'd3' }, { id: 'd4', registryId: 'r2' }],
    registries: [{ id: 'r1' }, { id: 'r2' }],
  });
});

test('iotCoreFromProject: one id with two different settings is an InputError naming both devices', () => {
  assert.throws(
    () =>
      iotCoreFromProject([
        device('one', 0, { deviceId: 'same', registryId: 'r1' }, { username: null, password: null }),
        device('two', 1, { deviceId: 'same', registryId: 'r2' }, { username: null, password: null }),
      ]),
    /devices 'one' and 'two' share the IoT Core device id 'same'/,
  );
});
