// What a new user met walking the README: a misspelt secret field reported in one pass and never
// printed, Ctrl-C in the first second of a --json run still ending with its one document, and a
// lab scaffolded from an unbuilt git checkout told how to make its test runnable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { unbuiltCheckout } from '../../tools/init/scaffold.ts';
import { startAedes } from '../helpers/brokers.ts';
import { labProjectJson, runCli, tempDir } from '../helpers/cli.ts';
import { mpyIot } from '../helpers/spawnCli.ts';

test('check: a misspelt password field with a misspelt variable gives both problems at once', async () => {
  const project = labProjectJson() as { defaults: { wifi: Record<string, unknown> } };
  project.defaults.wifi = { ssid: 'lab', pasword: '${WIFI_PASWORD}' };
  const run = await runCli(['check'], { cwd: tempDir({ 'mpy-iot.json': project, '.env': 'WIFI_PASSWORD=x\n' }) });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /defaults\.wifi\.pasword: environment variable WIFI_PASWORD is not set — did you mean \$\{WIFI_PASSWORD\}\?/);
  assert.match(run.stderr, /defaults\.wifi\.pasword: unknown field 'pasword' — did you mean 'password'\?/);
});

test('check: the password written in a misspelt field is never printed, in text or --json', async () => {
  const project = labProjectJson() as { defaults: { wifi: Record<string, unknown>; mqtt: Record<string, unknown> } };
  project.defaults.wifi = { ssid: 'lab', pasword: 'hunter2-wifi-secret' };
  project.defaults.mqtt = { ...project.defaults.mqtt, passwd: 'broker-secret-77' };
  const dir = tempDir({ 'mpy-iot.json': project });
  for (const args of [['check'], ['check', '--json'], ['build']]) {
    const run = await runCli(args, { cwd: dir });
    assert.equal(run.code, 2, args.join(' '));
    assert.match(run.stdout + run.stderr, /unknown field 'pasword'/);
    assert.match(run.stdout + run.stderr, /unknown field 'passwd'/);
    assert.doesNotMatch(run.stdout + run.stderr, /hunter2-wifi-secret|broker-secret-77/, args.join(' '));
  }
});

test('Ctrl-C while the command is still starting: exit 130 and the one --json document', async () => {
  const started = Date.now();
  // A preload reports every SIGINT handler as it is installed; the signal goes the moment the first
  // one (bin.mjs's, installed before the sources load) is: the command's own handler comes a second
  // or more later, once tsx and the sources are loaded, so the early one must answer.
  const broker = await startAedes();
  const report = 'const on = process.on.bind(process); process.on = (e, f) => { on(e, f); if (e === "SIGINT") process.stderr.write(`sigint-handler ${f.name}\\n`); return process; };';
  const nodeArgs = ['--import', `data:text/javascript,${encodeURIComponent(report)}`];
  const run = await mpyIot(['verify', '--json', '--duration', '60s', '-t', 'DATA/+', '-b', broker.url], {
    cwd: tempDir(),
    nodeArgs,
    sigintWhen: (_out, err) => err.includes('sigint-handler'),
    sigintDelayMs: 0,
  }).finally(() => broker.stop());
  assert.equal(run.code, 130, run.stderr);
  assert.deepEqual(run.stderr.match(/sigint-handler \w*/g), ['sigint-handler interruptedEarly'], `bin.mjs's start-up handler answered:\n${run.stderr}`);
  const doc = JSON.parse(run.stdout) as { ok: boolean; error: { type: string; exitCode: number } };
  assert.equal(doc.ok, false);
  assert.deepEqual([doc.error.type, doc.error.exitCode], ['Interrupted', 130]);
  assert.ok(Date.now() - started < 30_000);
});

test('init from a git checkout without its compiled library says to build it; a built or installed one does not', () => {
  const checkout = tempDir({ 'package.json': { name: 'mpy-iot' } });
  assert.equal(unbuiltCheckout(checkout), checkout);
  mkdirSync(path.join(checkout, 'dist', 'lib'), { recursive: true });
  writeFileSync(path.join(checkout, 'dist', 'lib', 'index.js'), '');
  assert.equal(unbuiltCheckout(checkout), null);
  assert.equal(unbuiltCheckout(path.join(tempDir(), 'node_modules', 'mpy-iot')), null);
});

test('a misspelt flag is refused (exit 2) naming the option it was meant to be', async () => {
  const dir = tempDir();
  const verify = await runCli(['verify', '--durations', '5s'], { cwd: dir });
  assert.equal(verify.code, 2);
  assert.match(verify.stderr, /Unknown argument: durations\n\s+fix: --durations: did you mean --duration\?/);
  const grade = await runCli(['-p', '.', 'grade', '--min-message', '2', '--dry-runn', '--json'], { cwd: dir });
  assert.equal(grade.code, 2);
  assert.equal(grade.json<{ error: { hint: string } }>().error.hint, '--min-message: did you mean --min-messages?; --dry-runn: did you mean --dry-run? (`mpy-iot grade --help` lists the options)');
  const nothingClose = await runCli(['watch', '--xyz'], { cwd: dir });
  assert.equal(nothingClose.code, 2);
  assert.doesNotMatch(nothingClose.stderr, /did you mean/);
});

test('check: a device whose payload the schema would refuse (no students, no group) is warned about before anything is built', async () => {
  const project = labProjectJson({
    devices: [
      { name: 'team-1', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01' } },
      { name: 'team-2', telemetry: { students: [], group: 'БАГ-18-01' } },
      { name: 'team-3', telemetry: { students: ['Попов Д.И'] } },
    ],
  });
  const run = await runCli(['check'], { cwd: tempDir({ 'mpy-iot.json': project }) });
  assert.equal(run.code, 0, run.stderr);
  const out = run.stdout + run.stderr;
  assert.match(out, /devices\[1\]\.telemetry\.students: team-2's payloads would fail the lab payload schema: \/students must NOT have fewer than 1 items/);
  assert.match(out, /devices\[2\]\.telemetry\.group: team-3's payloads would fail the lab payload schema: \/group must NOT have fewer than 1 characters/);
  assert.doesNotMatch(out, /team-1's payloads/);
});

test("check judges each device's payload by the project's own telemetry.schema.json when there is one", async () => {
  // A class whose schema also requires a humidity field the devices do not send.
  const schema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    required: ['temperature', 'students', 'group', 'humidity'],
    properties: { temperature: { type: 'number' }, students: { type: 'array', items: { type: 'string' } }, group: { type: 'string' }, humidity: { type: 'number' } },
  };
  const project = labProjectJson({ devices: [{ name: 'team-1', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01' } }] });
  const run = await runCli(['check'], { cwd: tempDir({ 'mpy-iot.json': project, 'telemetry.schema.json': schema }) });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout + run.stderr, /team-1's payloads would fail telemetry\.schema\.json: .*humidity/);
});
