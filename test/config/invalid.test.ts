// Each broken project file must exit 2 and name the JSON path and what is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labProjectJson, runCli, tempDir } from '../helpers/cli.ts';

interface Issue { severity: string; path: string; message: string; value?: unknown; hint?: string }

const withDevice = (device: Record<string, unknown>, defaults: Record<string, unknown> = {}): Record<string, unknown> => {
  const base = labProjectJson();
  return { ...base, defaults: { ...(base.defaults as object), ...defaults }, devices: [{ name: 'team-1', telemetry: { students: ['A'], group: 'G' }, ...device }] };
};

const cases: { name: string; project: Record<string, unknown> | string; file?: string; path: string; message: RegExp; hint?: RegExp; env?: Record<string, string> }[] = [
  { name: 'unknown board with suggestion', project: withDevice({ board: 'esp23' }), path: 'devices[0].board', message: /unknown board 'esp23' — did you mean 'esp32'\?/ },
  { name: 'unknown board far from any', project: withDevice({ board: 'arduino-uno' }), path: 'devices[0].board', message: /unknown board 'arduino-uno'$/, hint: /esp32, esp32c3, esp32s3, esp8266/ },
  { name: 'QoS 2', project: withDevice({ mqtt: { qos: 2 } }), path: 'devices[0].mqtt.qos', message: /QoS 2 is not supported/ },
  { name: 'QoS 3 out of range', project: withDevice({ mqtt: { qos: 3 } }), path: 'devices[0].mqtt.qos', message: /must be <= 2/ },
  { name: 'interval below 1 s on an IoT Core topic', project: withDevice({ telemetry: { students: ['A'], group: 'G', intervalSeconds: 0.5, topics: ['$devices/{deviceId}/events'] } }), path: 'devices[0].telemetry.intervalSeconds', message: /below 1 s.*\$devices\/team-1\/events.*1 message per second/ },
  { name: 'unknown placeholder', project: withDevice({ telemetry: { students: ['A'], group: 'G', topics: ['DATA/{serial}'] } }), path: 'devices[0].telemetry.topics[0]', message: /unknown placeholder \{serial\}/, hint: /\{mac\} \{deviceId\}/ },
  { name: 'registryId placeholder without registry', project: withDevice({ telemetry: { students: ['A'], group: 'G', topics: ['$registries/{registryId}/events'] } }), path: 'devices[0].telemetry.topics[0]', message: /identity.registryId is not set/ },
  { name: 'duplicate device names', project: { ...labProjectJson(), devices: [{ name: 'team-1' }, { name: 'Team-1' }] }, path: 'devices[1].name', message: /duplicate device name 'Team-1' \(also devices\[0\]\)/ },
  { name: 'duplicate device ids', project: { ...labProjectJson(), devices: [{ name: 'a', identity: { deviceId: 'x' } }, { name: 'b', identity: { deviceId: 'x' } }] }, path: 'devices[1].identity.deviceId', message: /also used by 'a'/ },
  { name: 'payload over the ESP8266 budget', project: withDevice({ board: 'esp8266', telemetry: { sensor: 'simulated', group: 'G', students: Array.from({ length: 40 }, (_, i) => `Студент Номер ${i} Очень Длинная Фамилия`) } }), path: 'devices[0].telemetry', message: /estimated payload \d+ B exceeds the esp8266 budget of 1024 B/ },
  { name: 'internal sensor on ESP8266', project: withDevice({ board: 'esp8266' }), path: 'devices[0].telemetry.sensor', message: /board 'esp8266' has no internal temperature sensor/, hint: /simulated/ },
  { name: 'external sensor without pin', project: withDevice({ telemetry: { students: ['A'], group: 'G', sensor: 'dht22' } }), path: 'devices[0].telemetry.sensorPin', message: /needs telemetry.sensorPin/ },
  { name: 'unknown top-level field', project: { ...labProjectJson(), devics: [] }, path: 'devics', message: /unknown field/ },
  { name: 'unknown nested field', project: withDevice({ mqtt: { urll: 'mqtt://x' } }), path: 'devices[0].mqtt.urll', message: /unknown field/ },
  { name: 'bad URL scheme', project: withDevice({ mqtt: { url: 'http://broker:1883' } }), path: 'devices[0].mqtt.url', message: /must match pattern/ },
  { name: 'wrong type', project: withDevice({ telemetry: { students: 'Иванов', group: 'G' } }), path: 'devices[0].telemetry.students', message: /must be array/ },
  { name: 'bad extra', project: withDevice({ telemetry: { students: ['A'], group: 'G', extras: ['seq', 'battery'] } }), path: 'devices[0].telemetry.extras[1]', message: /must be one of "seq", "uptime", "rssi", "heap"/ },
  { name: 'missing devices', project: { defaults: {} }, path: '', message: /missing required field 'devices'/ },
  { name: 'missing wifi.ssid after defaults', project: { devices: [{ name: 'x', board: 'esp32', mqtt: { url: 'mqtt://h' } }] }, path: 'devices[0].wifi.ssid', message: /missing required field 'wifi.ssid'/ },
  { name: 'missing mqtt.url', project: { devices: [{ name: 'x', board: 'esp32', wifi: { ssid: 's' } }] }, path: 'devices[0].mqtt.url', message: /missing required field 'mqtt.url'/ },
  { name: 'invalid device name', project: { ...labProjectJson(), devices: [{ name: 'team 1/a' }] }, path: 'devices[0].name', message: /must match pattern/ },
  { name: 'short WPA2 passphrase', project: withDevice({ wifi: { ssid: 's', password: 'short7!' } }), path: 'devices[0].wifi.password', message: /8 to 63 characters/ },
  { name: 'username without password', project: withDevice({ mqtt: { username: 'dev1' } }), path: 'devices[0].mqtt.password', message: /username only together with a password/ },
  { name: 'unset environment variable', project: withDevice({ mqtt: { password: '${MQTT_PASSWORD}', username: 'u' } }), path: 'devices[0].mqtt.password', message: /environment variable MQTT_PASSWORD is not set/, hint: /\.env/ },
  { name: 'wildcard in a publish topic', project: withDevice({ telemetry: { students: ['A'], group: 'G', topics: ['DATA/+/x'] } }), path: 'devices[0].telemetry.topics[0]', message: /'\+' and '#' are subscription wildcards/ },
  { name: 'IoT Core without TLS', project: withDevice({ mqtt: { url: 'mqtt://mqtt.cloud.yandex.net:1883' }, telemetry: { students: ['A'], group: 'G', topics: ['$devices/{deviceId}/events'] } }), path: 'devices[0].mqtt.url', message: /only TLS on port 8883/ },
  { name: 'IoT Core with a lab topic (written in defaults: reported there)', project: withDevice({ mqtt: { url: 'mqtts://mqtt.cloud.yandex.net:8883' } }), path: 'defaults.telemetry.topics[0]', message: /only routes \$devices\/ and \$registries\/ topics/ },
  { name: 'missing TLS file', project: withDevice({ mqtt: { url: 'mqtts://broker:8883', tls: { ca: 'nope/ca.pem' } } }), path: 'devices[0].mqtt.tls.ca', message: /file not found: .*nope\/ca.pem/ },
  { name: 'name in defaults', project: { ...labProjectJson(), defaults: { ...(labProjectJson().defaults as object), name: 'x' } }, path: 'defaults.name', message: /a name cannot be a default/ },
  { name: 'led pin out of range', project: withDevice({ led: 99 }), path: 'devices[0].led', message: /must be <= 48|must match exactly one schema/ },
];

for (const c of cases) {
  test(`check refuses: ${c.name}`, async () => {
    const file = c.file ?? 'mpy-iot.json';
    const dir = tempDir({ [file]: c.project });
    const run = await runCli(['check', '--json'], { cwd: dir, env: c.env ?? {} });
    assert.equal(run.code, 2, `exit code (stderr: ${run.stderr})`);
    const { error } = run.json<{ error: { issues: Issue[] } }>();
    const match = error.issues.find((i) => i.path === c.path && c.message.test(i.message));
    assert.ok(match, `expected an issue at '${c.path}' matching ${c.message}; got ${JSON.stringify(error.issues, null, 1)}`);
    if (c.hint) assert.match(match.hint ?? '', c.hint);
  });
}

test('check refuses broken JSON with line and column, and never echoes the source', async () => {
  const dir = tempDir({ 'mpy-iot.json': '{\n  "devices": [\n    { "name": "a", "wifi": { "password": "hunter2-secret" } },,\n  ]\n}\n' });
  const run = await runCli(['check'], { cwd: dir });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /mpy-iot\.json:3:\d+: not valid JSON/);
  assert.doesNotMatch(run.stderr + run.stdout, /hunter2-secret/);
});

test('check refuses broken YAML with line and column, and never echoes the source', async () => {
  const dir = tempDir({ 'mpy-iot.yaml': 'devices:\n  - name: a\n    wifi:\n      password: "hunter2-secret\n    board: esp32\n' });
  const run = await runCli(['check'], { cwd: dir });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /mpy-iot\.yaml:\d+:\d+: not valid YAML/);
  assert.doesNotMatch(run.stderr + run.stdout, /hunter2-secret/);
});

test('check reports every problem at once, not just the first', async () => {
  const dir = tempDir({ 'mpy-iot.json': { ...labProjectJson(), devices: [{ name: 'a', board: 'esp23' }, { name: 'b', mqtt: { qos: 2 } }] } });
  const run = await runCli(['check', '--json'], { cwd: dir });
  assert.equal(run.code, 2);
  const paths = run.json<{ error: { issues: Issue[] } }>().error.issues.map((i) => i.path);
  assert.ok(paths.includes('devices[0].board'));
  // The QoS issue is found after defaults are resolved, which a bad board on another device must not hide.
  assert.ok(paths.includes('devices[1].mqtt.qos'), paths.join(', '));
});

test('no project file: exit 2 with a hint to run init', async () => {
  const run = await runCli(['check'], { cwd: tempDir() });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /no project file in .*mpy-iot\.json, mpy-iot\.yaml/);
  assert.match(run.stderr, /mpy-iot init/);
});

test('YAML `group: 2018` (a number where text belongs): the fix is to quote it', async () => {
  const yaml = 'defaults:\n  board: esp32\n  wifi: {ssid: lab}\n  mqtt: {url: "mqtt://192.168.1.10:1883"}\ndevices:\n  - name: t1\n    telemetry: {students: [A], group: 2018}\n';
  const run = await runCli(['check', '--no-color'], { cwd: tempDir({ 'mpy-iot.yaml': yaml }) });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /devices\[0\]\.telemetry\.group: must be string/);
  assert.match(run.stderr, /fix: +write it in quotes, "2018" \(YAML reads an unquoted 2018 as a number\)/);
});

test('a newline or NUL in a group or student name is refused by name, with where it is', async () => {
  const project = { defaults: { board: 'esp32', wifi: { ssid: 'lab' }, mqtt: { url: 'mqtt://192.168.1.10:1883' } }, devices: [{ name: 't1', telemetry: { students: ['Иванов\nИ.И'], group: 'БАГ-18-01\u0000' } }] };
  const run = await runCli(['check', '--no-color'], { cwd: tempDir({ 'mpy-iot.json': project }) });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /devices\[0\]\.telemetry\.students\[0\]: must not contain control characters \(newline, tab, NUL…\)/);
  assert.match(run.stderr, /devices\[0\]\.telemetry\.group: must not contain control characters/);
});
