// `check` finds every problem in one pass (variables, schema and cross-field checks together), names
// the place the user wrote each one (defaults.… for a default), and guesses what a typo meant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, tempDir } from '../helpers/cli.ts';

interface Issue { severity: string; path: string; message: string; hint?: string }

async function issuesOf(files: Record<string, string | object>, env: Record<string, string> = {}): Promise<Issue[]> {
  const run = await runCli(['check', '--json'], { cwd: tempDir(files), env });
  assert.equal(run.code, 2, run.stdout + run.stderr);
  return run.json<{ error: { issues: Issue[] } }>().error.issues;
}

const find = (issues: Issue[], path: string, message: RegExp): Issue => {
  const match = issues.find((i) => i.path === path && message.test(i.message));
  assert.ok(match, `no issue at ${path} matching ${message}; got:\n${issues.map((i) => `${i.path}: ${i.message}`).join('\n')}`);
  return match;
};

test('one typo does not hide the other problems: misspelt keys, placeholder, variable and cross-field issues together', async () => {
  const issues = await issuesOf({
    '.env': 'WIFI_PASSWORD=lab-password-1\n',
    'mpy-iot.json': {
      defaults: {
        board: 'esp32',
        wifi: { ssid: 'lab', pasword: 'x' },
        mqtt: { url: 'mqtt://192.168.1.10:1883', qos: 2 },
        telemetry: { intervalSecond: 5, topics: ['DATA/{mack}'] },
      },
      devices: [
        { name: 'team-1', wifi: { ssid: 'lab', password: '${WIFI_PASWORD}' }, telemetry: { students: ['A'], group: 'G', sensor: 'dht22' } },
        { name: 'team-2', board: 'esp23', telemetry: { students: ['B'], group: 'G', sensor: 'dht23', sensorPin: 4 } },
      ],
    },
  });
  // Schema: unknown keys, each with the key it most likely meant.
  find(issues, 'defaults.wifi.pasword', /unknown field 'pasword' — did you mean 'password'\?/);
  assert.match(find(issues, 'defaults.telemetry.intervalSecond', /did you mean 'intervalSeconds'\?/).hint ?? '', /intervalSeconds/);
  // Variables, with the name the .env defines.
  find(issues, 'devices[0].wifi.password', /environment variable WIFI_PASWORD is not set — did you mean \$\{WIFI_PASSWORD\}\?/);
  // Cross-field checks, found in the same pass, at the place they were written.
  find(issues, 'defaults.mqtt.qos', /QoS 2 is not supported/);
  find(issues, 'defaults.telemetry.topics[0]', /unknown placeholder \{mack\} — did you mean \{mac\}\?/);
  find(issues, 'devices[0].telemetry.sensorPin', /needs telemetry.sensorPin/);
  find(issues, 'devices[1].board', /unknown board 'esp23' — did you mean 'esp32'\?/);
  find(issues, 'devices[1].telemetry.sensor', /must be one of .* — did you mean "dht22"\?/);
  // A default's problem is reported once, not once per device that inherits it.
  assert.equal(issues.filter((i) => /QoS 2/.test(i.message)).length, 1);
  assert.ok(!issues.some((i) => i.path.startsWith('devices[') && /QoS 2|\{mack\}/.test(i.message)), 'not blamed on the devices');
});

test('a value the schema refused is not reported again as missing or by a later check', async () => {
  const issues = await issuesOf({
    'mpy-iot.json': {
      defaults: { board: 'esp32', wifi: { ssid: 'lab' }, mqtt: { url: 'http://broker:1883' } },
      devices: [{ name: 'team-1', telemetry: { students: 'Иванов', group: 'G' } }, { name: 'team-2', mqtt: { qos: 2 }, telemetry: { students: ['B'], group: 'G' } }],
    },
  });
  find(issues, 'defaults.mqtt.url', /must match pattern/);
  find(issues, 'devices[0].telemetry.students', /must be array/);
  find(issues, 'devices[1].mqtt.qos', /QoS 2 is not supported/);
  assert.ok(!issues.some((i) => /missing required field 'mqtt.url'/.test(i.message)), issues.map((i) => i.message).join('\n'));
});

test('an unknown board written in defaults is reported at defaults.board, once', async () => {
  const issues = await issuesOf({
    'mpy-iot.json': { defaults: { board: 'esp8226', wifi: { ssid: 'lab' }, mqtt: { url: 'mqtt://192.168.1.10' } }, devices: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] },
  });
  find(issues, 'defaults.board', /unknown board 'esp8226' — did you mean 'esp8266'\?/);
  assert.equal(issues.length, 1, issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
});

test('check prints every problem with its path and did-you-mean for people too', async () => {
  const dir = tempDir({ 'mpy-iot.yaml': 'defaults:\n  board: esp32\n  wifi: {ssid: lab, pasword: x}\n  mqtt: {url: "mqtt://192.168.1.10:1883", qos: 2}\ndevices:\n  - name: t1\n    telemetry: {students: [A], group: 2018}\n' });
  const run = await runCli(['check', '--no-color'], { cwd: dir });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /mpy-iot\.yaml: 3 problems/);
  assert.match(run.stderr, /defaults\.wifi\.pasword: unknown field 'pasword' — did you mean 'password'\?/);
  assert.match(run.stderr, /defaults\.mqtt\.qos: QoS 2 is not supported/);
  assert.match(run.stderr, /devices\[0\]\.telemetry\.group: must be string/);
});

test('an unknown or missing board, SSID or URL in defaults does not hide the devices\' other problems', async () => {
  const issues = await issuesOf({
    'mpy-iot.json': {
      defaults: { board: 'esp23', mqtt: { url: 'mqtt://192.168.1.10:1883' }, telemetry: { topics: ['DATA/{mack}'] } },
      devices: [{ name: 'team-1', telemetry: { students: ['A'], group: 'G' } }],
    },
  });
  find(issues, 'defaults.board', /unknown board 'esp23' — did you mean 'esp32'\?/);
  find(issues, 'devices[0].wifi.ssid', /missing required field 'wifi.ssid'/);
  find(issues, 'defaults.telemetry.topics[0]', /unknown placeholder \{mack\} — did you mean \{mac\}\?/);
  // The stand-in board is not judged: no sensor or payload-budget complaint about a board nobody named.
  assert.ok(!issues.some((i) => /temperature sensor|budget/.test(i.message)), issues.map((i) => i.message).join('\n'));
});

test("a misspelt variable that only .env.example names (a fresh clone without .env) still gets its did-you-mean", async () => {
  const issues = await issuesOf({
    '.env.example': 'MQTT_PASSWORD=change-me\n',
    'mpy-iot.json': {
      defaults: { board: 'esp32', wifi: { ssid: 'lab', password: 'lab-password-1' }, mqtt: { url: 'mqtt://192.168.1.10:1883', username: 'u', password: '${MQTT_PASWORD}' } },
      devices: [{ name: 'team-1', telemetry: { students: ['A'], group: 'G' } }],
    },
  });
  find(issues, 'defaults.mqtt.password', /environment variable MQTT_PASWORD is not set — did you mean \$\{MQTT_PASSWORD\}\?/);
});
