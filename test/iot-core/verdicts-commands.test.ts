// Verdicts in an IoT Core project: its boards listen on no RESULT (the cloud and `broker --iot-core`
// have none), so `result` and `grade` send each addressed board a `result` command on its own
// $devices/<id>/commands, as the registry (its certificate), and wait for each reply. Real embedded
// broker in IoT Core mode over mTLS, three virtual boards in two groups.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { iotCoreFromProject, startBroker, type RunningBroker } from '../../tools/broker/index.ts';
import { loadProject } from '../../tools/config/index.ts';
import { runAction } from '../../tools/dashboard/actions.ts';
import type { ClassGrades, TeamGrade } from '../../tools/harness/index.ts';
import { buildProject } from '../../tools/render/build.ts';
import type { VirtualBoard } from '../../tools/sim/board.ts';
import { runCli, tempDir } from '../helpers/cli.ts';
import { bootOn } from './fleet.ts';

const TEAMS = {
  'dev-1': { group: 'БАГ-18-01', students: ['Иванов И.И'] },
  'dev-2': { group: 'БАГ-18-01', students: ['Петрова А.С'] },
  'dev-3': { group: 'БАГ-18-02', students: ['Сидоров П.П'] },
} as const;
type Id = keyof typeof TEAMS;
const IDS = Object.keys(TEAMS) as Id[];
const REGISTRY = ['--cafile', 'certs/ca.pem', '--cert', 'certs/registries/reg-1.pem', '--key', 'certs/registries/reg-1.key'];

let dir: string;
let broker: RunningBroker;
const boards = {} as Record<Id, VirtualBoard>;

async function cliOk(args: string[], cwd: string): Promise<void> {
  const run = await runCli(args, { cwd, env: {} });
  assert.equal(run.code, 0, `mpy-iot ${args.join(' ')}: ${run.stdout}${run.stderr}`);
}

before(async () => {
  const root = tempDir();
  dir = path.join(root, 'fleet');
  await cliOk(['init', 'fleet', '--template', 'iot-core'], root);
  // The template's two devices, a third, each a team of one of two groups; payloads every 2 s.
  const file = path.join(dir, 'mpy-iot.json');
  const json = JSON.parse(readFileSync(file, 'utf8')) as { defaults: { telemetry: Record<string, unknown>; listen: string[] }; devices: Record<string, unknown>[] };
  json.defaults.telemetry.intervalSeconds = 2;
  assert.deepEqual(json.defaults.listen, [], 'the template listens on no RESULT');
  json.devices.push({ name: 'dev-3', mqtt: { tls: { cert: 'certs/devices/dev-3.pem', key: 'certs/devices/dev-3.key' } } });
  for (const d of json.devices) d.telemetry = { ...TEAMS[d.name as Id] };
  writeFileSync(file, JSON.stringify(json, null, 2));
  for (const args of [['certs', 'init'], ...IDS.map((id) => ['certs', 'device', id]), ['certs', 'registry', 'reg-1']]) await cliOk(args, dir);
  const project = loadProject({ project: dir, env: {} });
  await buildProject(project);
  const cert = (name: string): Buffer => readFileSync(path.join(dir, 'certs', name));
  broker = await startBroker({
    port: 0,
    tls: { port: 0, cert: cert('broker.pem'), key: cert('broker.key'), ca: cert('ca.pem'), requestClientCert: true },
    iotCore: iotCoreFromProject(project.devices, { certsDir: path.join(dir, 'certs') }),
  });
  for (const id of IDS) boards[id] = await bootOn(path.join(dir, 'build', id), broker.tlsPort!, id);
  for (const id of IDS) await boards[id].waitForLine(/INFO mqtt connected/, 30_000, { fromStart: true });
});
after(async () => {
  await Promise.all(Object.values(boards).map((b) => b.stop()));
  await broker?.close();
});

const cli = (args: string[]) => runCli([...args, '-b', broker.tlsUrl!, ...REGISTRY], { cwd: dir, env: {} });
const printed = (id: Id, text: string): boolean => boards[id].console.some((l) => l.line.includes('INFO result') && l.line.includes(text));

test('result -g: each board of that group prints it and says so; the other group\'s board is sent nothing', { timeout: 120_000 }, async () => {
  const run = await cli(['result', '-g', 'БАГ-18-01', '-m', 'Лабораторная зачтена', '--passed', '--json']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const doc = run.json<{ ok: boolean; topic?: string; commands: { device: string; commandTopic: string; outcome: string }[] }>();
  assert.equal(doc.topic, undefined, 'nothing was published to RESULT');
  assert.deepEqual(doc.commands.map((c) => [c.device, c.commandTopic, c.outcome]), [
    ['dev-1', '$devices/dev-1/commands', 'shown'],
    ['dev-2', '$devices/dev-2/commands', 'shown'],
  ]);
  // A board replies after it printed: the lines are there now.
  for (const id of ['dev-1', 'dev-2'] as const) assert.ok(printed(id, 'result for my group БАГ-18-01: Лабораторная зачтена [passed=true]'), `${id} did not print it`);
  // dev-3 was sent nothing; a note for it alone, answered, comes after anything that could have reached it.
  const barrier = await cli(['result', '-d', 'dev-3', '-m', 'see me after class']);
  assert.equal(barrier.code, 0, barrier.stdout + barrier.stderr);
  assert.match(barrier.stdout, /✓ dev-3 printed it \(\$devices\/dev-3\/commands, \d+ ms\)/);
  assert.ok(printed('dev-3', 'result for my board: see me after class'));
  assert.ok(!printed('dev-3', 'Лабораторная зачтена'), 'dev-3 printed the other group\'s result');
  assert.ok(!printed('dev-1', 'see me after class') && !printed('dev-2', 'see me after class'), "dev-3's note was printed elsewhere");
});

test('grade: each team is graded and its own board prints its own verdict, every board confirming it', { timeout: 180_000 }, async () => {
  const run = await cli(['grade', '--duration', '12s', '--json']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const doc = run.json<{ ok: boolean; published: boolean; teams: { device: string; passed: boolean }[]; commands: { device: string; outcome: string }[] }>();
  assert.deepEqual(doc.teams.map((t) => `${t.device}:${t.passed}`).sort(), ['dev-1:true', 'dev-2:true', 'dev-3:true']);
  assert.deepEqual(doc.commands.map((c) => `${c.device}:${c.outcome}`).sort(), ['dev-1:shown', 'dev-2:shown', 'dev-3:shown']);
  for (const id of IDS) {
    const own = boards[id].console.filter((l) => /INFO result for my board: .*\[passed=true\]/.test(l.line));
    assert.equal(own.length, 1, `${id}: ${own.map((l) => l.line).join(' | ')}`);
    for (const other of IDS) assert.equal(own[0]!.line.includes(TEAMS[other].students[0]), other === id, `${id} printed ${other}'s verdict: ${own[0]!.line}`);
  }
});

test('grade (human output) says where the verdicts went and which board printed its own', { timeout: 180_000 }, async () => {
  const run = await cli(['grade', '--duration', '12s']);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /sent 3 verdicts as a result command, each to its board's \$devices\/<id>\/commands:/);
  for (const id of IDS) assert.match(run.stdout, new RegExp(`✓ ${id} printed it \\(\\$devices/${id}/commands, \\d+ ms\\)`));
  assert.doesNotMatch(run.stdout, /to RESULT/);
});

test("the dashboard's RESULT buttons deliver as grade does: a result command each board confirms (its RESULT topic does not exist here)", { timeout: 120_000 }, async () => {
  const project = loadProject({ project: dir, env: {} });
  const cert = (name: string): Buffer => readFileSync(path.join(dir, 'certs', name));
  const team = (id: Id, message: string): TeamGrade => ({
    device: id, ...TEAMS[id], students: [...TEAMS[id].students], mac: boards[id].mac, passed: true, reasons: [], message, messages: 3, valid: 3, invalid: 0, minMessages: 1,
  });
  const grades: ClassGrades = { teams: IDS.map((id) => team(id, `кнопка: ${id} зачтено`)), foreign: [], passed: true, language: 'ru' };
  const ctx = { url: broker.tlsUrl!, mqttOptions: { ca: cert('ca.pem'), cert: cert('registries/reg-1.pem'), key: cert('registries/reg-1.key') }, devices: project.devices, grades: () => grades };
  const one = await runAction({ action: 'result', device: 'dev-2' }, ctx);
  assert.equal(one.ok, true, one.text);
  assert.match(one.text, /^dev-2 printed it \(\$devices\/dev-2\/commands, \d+ ms\)$/);
  assert.ok(printed('dev-2', 'кнопка: dev-2 зачтено'));
  const all = await runAction({ action: 'result-all' }, ctx);
  assert.equal(all.ok, true, all.text);
  for (const id of IDS) {
    assert.match(all.text, new RegExp(`${id} printed it `));
    assert.ok(printed(id, `кнопка: ${id} зачтено`), `${id} did not print its verdict`);
  }
  assert.doesNotMatch(all.text, /RESULT/);
});

test('a board that does not answer: exit 3 naming it, the others still told', { timeout: 120_000 }, async () => {
  await boards['dev-3'].stop();
  const run = await cli(['result', '-m', 'Лабораторная закрыта', '--timeout', '3s']);
  assert.equal(run.code, 3, run.stdout + run.stderr);
  assert.match(run.stdout, /✓ dev-1 printed it/);
  assert.match(run.stdout, /✓ dev-2 printed it/);
  assert.match(run.stdout, /✖ dev-3: no reply to "result" \(id [^)]+\) on \$devices\/dev-3\/events\/reply within 3000 ms/);
  for (const id of ['dev-1', 'dev-2'] as const) assert.ok(printed(id, 'result for everyone: Лабораторная закрыта'));
});

test('an unknown device or group: exit 2 as before, nothing sent', async () => {
  const device = await cli(['result', '-d', 'dev-9', '-m', 'x']);
  assert.equal(device.code, 2, device.stdout + device.stderr);
  assert.match(device.stderr, /no device 'dev-9' in the project/);
  const group = await cli(['result', '-g', 'БАГ-18-03', '-m', 'x']);
  assert.equal(group.code, 2, group.stdout + group.stderr);
  assert.match(group.stderr, /--group БАГ-18-03: no device of the project is in this group/);
  assert.equal(device.stdout + group.stdout, '');
});
