// Rendering and building for every board, checked by running the generated config in MicroPython.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadProject } from '../../tools/config/index.ts';
import { InputError } from '../../tools/errors.ts';
import { buildProject } from '../../tools/render/build.ts';
import { loadFirmwareSources } from '../../tools/render/sources.ts';
import { labProjectJson, runCli, tempDir } from '../helpers/cli.ts';
import { startMicroPython } from '../helpers/micropython.ts';
import { formatPythonDiagnostic, lintPythonSources } from '../lint/ruffLint.ts';

const roster = labProjectJson({
  devices: [
    { name: 'esp32-dev', board: 'esp32', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01', extras: ['seq', 'rssi'] } },
    { name: 'esp8266-dev', board: 'esp8266', telemetry: { students: ['Петрова А.С'], group: 'БАГ-18-02', sensor: 'simulated' } },
    { name: 's3-dev', board: 'esp32s3', identity: { registryId: 'reg-1', macFormat: 'colon' }, telemetry: { students: ['Ng K.'], group: 'G', topics: ['DATA/{mac}', '$devices/{deviceId}/events'] } },
    { name: 'c3-dev', board: 'esp32c3', led: { pin: 7, activeLow: false }, watchdog: false, telemetry: { students: ['Smith J.'], group: 'G' } },
  ],
});

const files = (dir: string, prefix = ''): string[] =>
  readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(dir, path.posix.join(prefix, e.name)) : [path.posix.join(prefix, e.name)])).sort();

test('every board gets its template family, config, runtime and a truthful manifest', async () => {
  const dir = tempDir({ 'mpy-iot.json': roster });
  const builds = await buildProject(loadProject({ project: dir, env: {} }));
  const runtime = [...loadFirmwareSources().runtime.keys()].sort();
  const templates = path.resolve(import.meta.dirname, '../../templates');
  for (const build of builds) {
    const onDisk = files(build.dir);
    const mpy = build.board === 'esp8266';
    const expectedRuntime = runtime.map((f) => (mpy ? f.replace(/\.py$/, '.mpy') : f));
    assert.deepEqual(onDisk, ['boot.py', 'config.py', 'main.py', 'manifest.json', ...expectedRuntime].sort(), build.device);
    const family = build.board === 'esp8266' ? 'esp8266' : 'esp32';
    assert.equal(readFileSync(path.join(build.dir, 'boot.py'), 'utf8'), readFileSync(path.join(templates, family, 'boot.py'), 'utf8'));
    for (const entry of build.manifest.files) {
      const data = readFileSync(path.join(build.dir, entry.path));
      assert.equal(entry.size, data.length, entry.path);
      assert.equal(entry.sha256, createHash('sha256').update(data).digest('hex'), entry.path);
    }
    if (mpy) {
      const module = readFileSync(path.join(build.dir, expectedRuntime[0]!));
      assert.equal(module[0], 0x4d, '.mpy magic "M"');
      assert.equal(module[1], 6, '.mpy ABI version 6');
      assert.ok(build.runtimeShippedBytes < build.runtimeSourceBytes, 'bytecode is smaller than source');
    }
  }
});

test('config values land in the code: MicroPython reads back exactly what the project says', async () => {
  const dir = tempDir({ 'mpy-iot.json': roster });
  const builds = await buildProject(loadProject({ project: dir, env: {} }));
  const mp = await startMicroPython();
  const read = (device: string): Record<string, unknown> => {
    mp.writeFile(`/${device}/config.py`, readFileSync(path.join(dir, 'build', device, 'config.py')));
    const [line] = mp.run(`import sys, json\nsys.path.insert(0, '/${device}')\nsys.modules.pop('config', None)\nimport config\nprint(json.dumps({k: getattr(config, k) for k in dir(config) if k.isupper()}))\nsys.path.pop(0)`);
    return JSON.parse(line!);
  };
  assert.equal(builds.length, 4);
  const esp32 = read('esp32-dev');
  assert.deepEqual(esp32.TELEMETRY_TOPICS, ['DATA/{mac}']);
  assert.deepEqual(esp32.STUDENTS, ['Иванов И.И']);
  assert.equal(esp32.GROUP, 'БАГ-18-01');
  assert.deepEqual(esp32.EXTRAS, ['seq', 'rssi']);
  assert.equal(esp32.TEMP_SOURCE, 'raw_temperature_f');
  assert.equal(esp32.RESULT_TOPIC, 'RESULT');
  assert.equal(esp32.WATCHDOG_MS, 30000);
  const esp8266 = read('esp8266-dev');
  assert.equal(esp8266.TEMP_SOURCE, null);
  assert.equal(esp8266.SENSOR, 'simulated');
  assert.equal(esp8266.LED_ACTIVE_LOW, true);
  assert.equal(esp8266.WDT_HAS_TIMEOUT, false);
  const s3 = read('s3-dev');
  assert.deepEqual(s3.TELEMETRY_TOPICS, ['DATA/{mac}', '$devices/s3-dev/events']);
  assert.deepEqual(s3.COMMAND_TOPICS, ['$devices/s3-dev/commands', '$registries/reg-1/commands']);
  assert.equal(s3.MAC_FORMAT, 'colon');
  assert.equal(s3.LED_PIN, null);
  const c3 = read('c3-dev');
  assert.equal(c3.LED_PIN, 7);
  assert.equal(c3.WATCHDOG_MS, 0);
});

test('random names (quotes, backslashes, newlines, Cyrillic, emoji) never change the shape of config.py', async () => {
  const alphabet = ['a', 'Я', 'ё', "'", '"', '\\', '\n', '\r', '\t', '\0', '{', '}', '#', '😀', '𝄞', '\u2028', '\x7f', ' ', "'''", '"""', '\\N{', 'é'];
  let seed = 42;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const word = (): string => Array.from({ length: 1 + rand(12) }, () => alphabet[rand(alphabet.length)]).join('');
  // Names refuse control characters (check says so); the Wi-Fi settings below still carry them.
  const printable = (text: string): string => [...text].filter((ch) => ch.charCodeAt(0) >= 0x20 && ch !== '\x7f').join('');
  const students = Array.from({ length: 30 }, () => printable(word()));
  const group = printable(word()).replace(/[+#]/g, '');
  const ssid = word().slice(0, 10) || 'x';
  const password = `${word()}-pass-${word()}`.padEnd(8, 'x').slice(0, 63);
  const dir = tempDir({ 'mpy-iot.json': labProjectJson({ devices: [{ name: 'fuzz', wifi: { ssid, password }, telemetry: { students, group } }] }) });
  await buildProject(loadProject({ project: dir, env: {} }));
  const mp = await startMicroPython();
  mp.writeFile('/fuzz/config.py', readFileSync(path.join(dir, 'build', 'fuzz', 'config.py')));
  const [line] = mp.run("import sys, json\nsys.path.insert(0, '/fuzz')\nimport config\nprint(json.dumps([config.STUDENTS, config.GROUP, config.WIFI_SSID, config.WIFI_PASSWORD, config.BACKOFF_MAX_MS]))");
  assert.deepEqual(JSON.parse(line!), [students, group, ssid, password, 60000]);
});

test('a firmware file that does not compile fails the build with file:line and writes nothing', async () => {
  const dir = tempDir({ 'mpy-iot.json': roster });
  const project = loadProject({ project: dir, env: {} });
  const good = await buildProject(project);
  const before = readFileSync(path.join(good[0]!.dir, 'manifest.json'), 'utf8');
  const sources = loadFirmwareSources();
  sources.runtime.set('lib/mpyiot/broken.py', 'x = 1\n\ndef f(:\n    pass\n');
  await assert.rejects(buildProject(project, { sources }), (error: unknown) => {
    assert.ok(error instanceof InputError);
    assert.match(error.message, /does not compile.*nothing was written/);
    assert.ok(error.issues.some((i) => i.path === 'esp32-dev/lib/mpyiot/broken.py:3' && /SyntaxError/.test(i.message)), JSON.stringify(error.issues));
    return true;
  });
  assert.equal(readFileSync(path.join(good[0]!.dir, 'manifest.json'), 'utf8'), before, 'the previous build is untouched');
  assert.ok(!existsSync(path.join(good[0]!.dir, 'lib/mpyiot/broken.py')));
  assert.deepEqual(readdirSync(path.join(dir, 'build')).filter((f) => f.startsWith('.')), [], 'no staging folders left');
});

test('rendered output is lint-clean under ruff', async () => {
  const dir = tempDir({ 'mpy-iot.json': roster });
  const [build] = await buildProject(loadProject({ project: dir, env: {} }), { devices: ['esp32-dev'] });
  const sources = files(build!.dir).filter((f) => f.endsWith('.py')).map((f) => ({ path: f, source: readFileSync(path.join(build!.dir, f), 'utf8') }));
  const diagnostics = lintPythonSources(sources);
  assert.deepEqual(diagnostics.map(formatPythonDiagnostic), []);
});

test('mpy-iot build: size table, --device, --no-mpy, unknown device', async () => {
  const dir = tempDir({ 'mpy-iot.json': roster });
  const one = await runCli(['build', '--device', 'esp8266-dev', '--no-mpy'], { cwd: dir });
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /esp8266-dev\s+esp8266\s+\d+\s+[\d.]+ KiB\s+[\d.]+ KiB \.py/);
  assert.ok(existsSync(path.join(dir, 'build/esp8266-dev/lib/mpyiot/app.py')));
  assert.ok(!existsSync(path.join(dir, 'build/esp32-dev')), 'only the named device is built');
  const missing = await runCli(['build', '--device', 'nope'], { cwd: dir });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no device named 'nope'/);
  assert.match(missing.stderr, /esp32-dev, esp8266-dev/);
});
