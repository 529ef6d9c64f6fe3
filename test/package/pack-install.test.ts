// What `npm install mpy-iot` gives a user: the packed tarball installed into an empty folder with
// only its runtime dependencies (--omit=dev) must run `npx mpy-iot demo`, scaffold a project whose
// $schema resolves, and import as a library from plain Node (no tsx) with its .d.ts under tsc --strict.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { ensureLibraryBuilt, repoRoot } from './library.ts';

const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mpy-iot-pack-'));
const app = path.join(tmp, 'app');
// Without NODE_TEST_CONTEXT: the lab's own `node --test` must run as a top-level test run.
const { NODE_TEST_CONTEXT: _runner, ...outerEnv } = process.env;
const env = { ...outerEnv, NO_COLOR: '1', npm_config_update_notifier: 'false' };
let packedFiles: string[] = [];

before(async () => {
  ensureLibraryBuilt();
  // dist/ is already built (npm test builds it first): skip prepack, so a concurrent test importing
  // dist/ never sees it rebuilt under its feet.
  const packed = await run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: repoRoot, env, maxBuffer: 16 << 20 });
  const info = (JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[])[0]!;
  packedFiles = info.files.map((f) => f.path);
  writeFileSync(path.join(tmp, 'package.json'), '{}');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // The registry is reachable in CI; the cache npm ci filled makes this a local copy.
  await run(npm, ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', path.join(tmp, info.filename)], { cwd: app, env, maxBuffer: 16 << 20 });
});

after(() => rmSync(tmp, { recursive: true, force: true }));

test('the tarball holds the runtime and the compiled library, not the tests or the interop tools', () => {
  for (const needed of ['tools/cli/bin.mjs', 'tools/sim/worker/board-worker.mjs', 'firmware/mpyiot/app.py', 'templates/common/main.py', 'boards/esp32.json', 'schema/project.schema.json', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/sim/worker/board-worker.mjs', 'dist/sim/python/machine.py']) {
    assert.ok(packedFiles.includes(needed), `${needed} missing from the tarball`);
  }
  // tools/init/lab/ holds the test `init` scaffolds into a lab: shipped on purpose.
  const stray = packedFiles.filter((f) => /^(test|bench|\.interop|\.ci|node_modules|build|lab)\//.test(f) || (f.endsWith('.test.ts') && !f.startsWith('tools/init/lab/')));
  assert.deepEqual(stray, []);
});

test('runtime dependencies are enough: npx mpy-iot demo passes in the installed package', async () => {
  // Installed without the dev tools (so a runtime module left in devDependencies would fail here).
  assert.ok(!existsSync(path.join(app, 'node_modules', 'eslint')), 'eslint (a devDependency) was installed');
  const { stdout } = await run(npm, ['exec', '--no', '--', 'mpy-iot', 'demo', '--duration', '10s'], { cwd: app, env, maxBuffer: 16 << 20 });
  assert.match(stdout, /passed: 3 device\(s\) healthy/);
});

test('init in the installed package points $schema at the installed schema', async () => {
  await run(npm, ['exec', '--no', '--', 'mpy-iot', 'init', 'lab'], { cwd: app, env });
  const project = JSON.parse(readFileSync(path.join(app, 'lab', 'mpy-iot.json'), 'utf8')) as { $schema: string };
  assert.equal(project.$schema, '../node_modules/mpy-iot/schema/project.schema.json');
  assert.ok(existsSync(path.resolve(app, 'lab', project.$schema)), 'the $schema path resolves to a file');
  // The app already installed mpy-iot: a package.json in the lab would hide that install from npx.
  assert.ok(!existsSync(path.join(app, 'lab', 'package.json')), 'init wrote a package.json inside a project that has mpy-iot');
  const check = await run(npm, ['exec', '--no', '--', 'mpy-iot', 'check'], { cwd: path.join(app, 'lab'), env });
  assert.match(check.stdout, /team-1/);
});

test('the test init scaffolds passes out of the box and fails on a payload the schema refuses', async () => {
  const lab = path.join(app, 'lab');
  if (!existsSync(path.join(lab, 'mpy-iot.json'))) await run(npm, ['exec', '--no', '--', 'mpy-iot', 'init', 'lab'], { cwd: app, env });
  // As `npm test` in the lab runs it (its package.json script), with mpy-iot and tsx found as installed.
  const labTest = (): Promise<{ code: number; output: string }> =>
    run(process.execPath, ['--import', 'tsx', '--test', 'test/telemetry.test.ts'], { cwd: lab, env, maxBuffer: 16 << 20 }).then(
      (r) => ({ code: 0, output: r.stdout + r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, output: e.stdout + e.stderr }),
    );
  const passing = await labTest();
  assert.equal(passing.code, 0, passing.output);
  assert.match(passing.output, /# pass 2/);
  // A schema the firmware's payload no longer meets: the test must say so and fail.
  const schemaFile = path.join(lab, 'telemetry.schema.json');
  const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as { required: string[]; properties: Record<string, unknown> };
  schema.required.push('humidity');
  schema.properties.humidity = { type: 'number' };
  writeFileSync(schemaFile, JSON.stringify(schema, null, 2));
  const failing = await labTest();
  assert.equal(failing.code, 1, failing.output);
  assert.match(failing.output, /team-1 sent an invalid payload on DATA\/[0-9a-f]{12} \(missing required field 'humidity'\)/);
});

test('the library imports from plain Node (no tsx) and its types check under tsc --strict', async () => {
  const script = "import { startBroker } from 'mpy-iot'; const b = await startBroker({ port: 0 }); console.log(b.url); await b.close();";
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app, env });
  assert.match(stdout, /^mqtt:\/\/127\.0\.0\.1:\d+/);
  writeFileSync(path.join(app, 'consumer.ts'), [
    "import { connectFleet, expectTelemetry, simulate, startBroker, commandRequest, type RunningBroker } from 'mpy-iot';",
    'interface Payload { temperature: number; group: string }',
    'export async function check(): Promise<number> {',
    '  const broker: RunningBroker = await startBroker({ port: 0 });',
    "  const fleet = await connectFleet<Payload, 'team-1'>({ url: broker.url, project: 'lab' });",
    "  const sim = await simulate({ project: 'lab', broker: broker.url });",
    "  const [first] = await expectTelemetry(fleet, { device: 'team-1', count: 1 });",
    "  const pong = await fleet.send('team-1', commandRequest<{ pong: boolean }>('ping'));",
    '  const ok: boolean = pong.ok && pong.result.pong;',
    '  // @ts-expect-error team-9 is not a device of this fleet',
    "  await fleet.send('team-9', commandRequest('ping'));",
    '  await sim.stop();',
    '  await fleet.close();',
    '  await broker.close();',
    '  return ok ? first!.payload.temperature : NaN;',
    '}',
  ].join('\n'));
  const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  await run(process.execPath, [tsc, '--strict', '--noEmit', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--typeRoots', path.join(repoRoot, 'node_modules', '@types'), 'consumer.ts'], { cwd: app, env }).catch((error: { stdout?: string }) => {
    assert.fail(`tsc --strict on a consumer of the installed package:\n${error.stdout ?? String(error)}`);
  });
});
