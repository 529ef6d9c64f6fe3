import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadProject } from '../../tools/config/index.ts';
import { packagePaths } from '../../tools/paths.ts';
import { configValues } from '../../tools/render/configPy.ts';
import { labProjectJson, runCli, tempDir } from '../helpers/cli.ts';

test('the lab defaults: DATA/{mac} with lowercase hex MAC, RESULT listener, QoS 0', () => {
  const dir = tempDir({ 'mpy-iot.json': { devices: [{ name: 'team-1', board: 'esp32', wifi: { ssid: 's' }, mqtt: { url: 'mqtt://10.0.0.2' } }] } });
  const [device] = loadProject({ project: dir, env: {} }).devices;
  assert.ok(device);
  assert.deepEqual(device.telemetry.topics, ['DATA/{mac}']);
  assert.equal(device.identity.macFormat, 'hex');
  assert.deepEqual(device.listen, ['RESULT']);
  assert.equal(device.mqtt.qos, 0);
  assert.equal(device.mqtt.port, 1883);
  const values = Object.fromEntries(configValues(device, 'pem'));
  assert.equal(values.RESULT_TOPIC, 'RESULT');
  assert.deepEqual(values.COMMAND_TOPICS, ['$devices/team-1/commands']);
});

test('YAML and JSON describe the same project', () => {
  const yaml = [
    'defaults:',
    '  board: esp8266',
    '  wifi: { ssid: lab, password: "${WIFI_PASSWORD}" }',
    '  mqtt: { url: "mqtts://broker.local" }',
    '  telemetry: { sensor: simulated, extras: [seq, heap] }',
    'devices:',
    '  - name: team-1',
    '    telemetry: { students: ["Иванов И.И"], group: "БАГ-18-01" }',
    '',
  ].join('\n');
  const dir = tempDir({ 'mpy-iot.yaml': yaml });
  const project = loadProject({ project: dir, env: { WIFI_PASSWORD: 'password-123' } });
  const [device] = project.devices;
  assert.ok(device);
  assert.equal(device.board.id, 'esp8266');
  assert.equal(device.wifi.password, 'password-123');
  assert.equal(device.mqtt.port, 8883);
  assert.equal(device.mqtt.tls, true);
  assert.deepEqual(device.telemetry.extras, ['seq', 'heap']);
  assert.deepEqual(device.telemetry.students, ['Иванов И.И']);
});

test('devices override defaults: objects merge, lists replace', () => {
  const dir = tempDir({
    'mpy-iot.json': labProjectJson({
      devices: [{ name: 'a', telemetry: { topics: ['$devices/{deviceId}/events'], group: 'G2' }, identity: { registryId: 'reg1' } }],
    }),
  });
  const [device] = loadProject({ project: dir, env: {} }).devices;
  assert.ok(device);
  assert.deepEqual(device.telemetry.topics, ['$devices/{deviceId}/events']);
  assert.equal(device.telemetry.group, 'G2');
  assert.equal(device.wifi.ssid, 'lab-wifi', 'inherited from defaults');
  const values = Object.fromEntries(configValues(device, 'pem'));
  assert.deepEqual(values.TELEMETRY_TOPICS, ['$devices/a/events']);
  assert.deepEqual(values.COMMAND_TOPICS, ['$devices/a/commands', '$registries/reg1/commands']);
});

test('process environment wins over .env', () => {
  const dir = tempDir({ 'mpy-iot.json': labProjectJson({ defaults: { board: 'esp32', wifi: { ssid: '${SSID}' }, mqtt: { url: 'mqtt://h' } } }), '.env': 'SSID=from-file\n' });
  assert.equal(loadProject({ project: dir, env: {} }).devices[0]?.wifi.ssid, 'from-file');
  assert.equal(loadProject({ project: dir, env: { SSID: 'from-shell' } }).devices[0]?.wifi.ssid, 'from-shell');
});

test('board aliases resolve to the profile', () => {
  const dir = tempDir({ 'mpy-iot.json': labProjectJson({ devices: [{ name: 'a', board: 'NodeMCU', telemetry: { sensor: 'simulated' } }] }) });
  assert.equal(loadProject({ project: dir, env: {} }).devices[0]?.board.id, 'esp8266');
});

test('the built-in defaults equal the schema\'s default annotations (one source of truth for editors)', () => {
  const schema = JSON.parse(readFileSync(path.join(packagePaths.schema, 'project.schema.json'), 'utf8'));
  const props = schema.definitions.settings.properties;
  const dir = tempDir({ 'mpy-iot.json': { devices: [{ name: 'a', board: 'esp32', wifi: { ssid: 's' }, mqtt: { url: 'mqtt://h' } }] } });
  const [d] = loadProject({ project: dir, env: {} }).devices;
  assert.ok(d);
  assert.equal(d.wifi.timeoutSeconds, props.wifi.properties.timeoutSeconds.default);
  assert.equal(d.mqtt.clientId, props.mqtt.properties.clientId.default);
  assert.equal(d.mqtt.keepaliveSeconds, props.mqtt.properties.keepaliveSeconds.default);
  assert.equal(d.mqtt.qos, props.mqtt.properties.qos.default);
  assert.equal(d.mqtt.statusTopic, props.mqtt.properties.statusTopic.default);
  assert.equal(d.mqtt.replyTopic, props.mqtt.properties.replyTopic.default);
  assert.equal(d.identity.macFormat, props.identity.properties.macFormat.default);
  for (const key of ['intervalSeconds', 'topics', 'students', 'group', 'sensor', 'extras', 'offlineBuffer'] as const) {
    assert.deepEqual(d.telemetry[key], props.telemetry.properties[key].default, `telemetry.${key}`);
  }
  assert.deepEqual(d.listen, props.listen.default);
  assert.deepEqual(d.watchdog, { timeoutSeconds: props.watchdog.oneOf[1].properties.timeoutSeconds.default });
});

test('init scaffolds a project that checks clean and refuses to overwrite', async () => {
  const dir = tempDir();
  const first = await runCli(['init', 'lab'], { cwd: dir });
  assert.equal(first.code, 0, first.stderr);
  const check = await runCli(['check', '--json'], { cwd: path.join(dir, 'lab') });
  assert.equal(check.code, 0, check.stdout + check.stderr);
  const project = JSON.parse(readFileSync(path.join(dir, 'lab', 'mpy-iot.json'), 'utf8'));
  assert.deepEqual(project.defaults.telemetry.topics, ['DATA/{mac}']);
  assert.deepEqual(project.defaults.listen, ['RESULT']);
  // Not into this checkout (gone on the student's machine): where `npm install mpy-iot` puts it.
  assert.equal(project.$schema, './node_modules/mpy-iot/schema/project.schema.json');
  for (const f of ['telemetry.schema.json', '.env.example', '.env']) assert.ok(readFileSync(path.join(dir, 'lab', f), 'utf8').length > 0);
  const again = await runCli(['init', 'lab'], { cwd: dir });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /mpy-iot\.json already exists/);
  assert.match(again.stderr, /fix: .*--force/);
});

test('init in a folder whose mpy-iot.json was deleted: writes what is missing, keeps .env and the schema as they are', async () => {
  const dir = tempDir();
  assert.equal((await runCli(['init', 'lab'], { cwd: dir })).code, 0);
  const lab = path.join(dir, 'lab');
  writeFileSync(path.join(lab, '.env'), 'WIFI_SSID=room-214\nWIFI_PASSWORD=room-214-secret\nMQTT_HOST=192.168.1.10\n');
  rmSync(path.join(lab, 'mpy-iot.json'));
  const again = await runCli(['init', 'lab', '--no-color'], { cwd: dir });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /mpy-iot\.json\s+the project/);
  assert.match(again.stdout, /\.env\s+kept as it was/);
  assert.equal(readFileSync(path.join(lab, '.env'), 'utf8'), 'WIFI_SSID=room-214\nWIFI_PASSWORD=room-214-secret\nMQTT_HOST=192.168.1.10\n');
  assert.equal((await runCli(['check'], { cwd: lab })).code, 0);

  const forced = await runCli(['init', 'lab', '--force'], { cwd: dir });
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(readFileSync(path.join(lab, '.env'), 'utf8'), /MQTT_HOST=127\.0\.0\.1/);
});

test('init --board esp8266 scaffolds a project that builds (simulated sensor, .mpy runtime)', async () => {
  const dir = tempDir();
  assert.equal((await runCli(['init', 'lab', '--board', 'd1_mini'], { cwd: dir })).code, 0);
  const build = await runCli(['build', '--json'], { cwd: path.join(dir, 'lab') });
  assert.equal(build.code, 0, build.stderr);
  const [only] = build.json<{ builds: { board: string; manifest: { mpy: boolean } }[] }>().builds;
  assert.equal(only?.board, 'esp8266');
  assert.equal(only?.manifest.mpy, true);
});
