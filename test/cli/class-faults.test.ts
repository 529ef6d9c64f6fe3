// A class as a teacher meets it: each team builds its own project, and students make the mistakes
// students make. The board of a team that typed its group wrong, or left its students out, is
// still that team's (its birth names it, its students are the team's): it must fail with what to
// fix, never be shown as a silent team plus a stranger "not in this class". A board publishing ten
// times faster than the assignment says fails, and so does one publishing on the wrong topic, with
// words that point at the topic. grade and verify agree on who fails.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { VirtualBoard } from '../../tools/sim/board.ts';
import { startAedes, type TestBroker } from '../helpers/brokers.ts';
import { runCli } from '../helpers/cli.ts';
import { bootBoard, buildLab } from '../helpers/sim.ts';
import { until } from '../helpers/until.ts';

const roster = [
  { name: 'team-1', board: 'esp32', telemetry: { students: ['Смирнов А.А'], group: 'БАГ-18-01' } },
  { name: 'team-2', board: 'esp32', telemetry: { students: ['Попов Д.И'], group: 'БАГ-18-01' } },
  { name: 'team-3', board: 'esp32', telemetry: { students: ['Ng K.', 'Ли В.'], group: 'БАГ-18-02' } },
  { name: 'team-4', board: 'esp32', telemetry: { students: ['Волков С.С'], group: 'БАГ-18-02' } },
  { name: 'team-5', board: 'esp32', telemetry: { students: ['Орлов Г.Г'], group: 'БАГ-18-02' } },
];

/** What each team's own project says, where it differs from the teacher's roster. */
const studentProjects: Record<string, (d: { telemetry: Record<string, unknown> }) => void> = {
  'team-1': () => {},
  'team-2': (d) => void (d.telemetry.students = []),
  'team-3': (d) => void (d.telemetry.group = 'БАГ-18-2'),
  'team-4': (d) => void (d.telemetry.intervalSeconds = 0.1),
  'team-5': (d) => void (d.telemetry.topics = ['data/{mac}']),
};

describe('grading a class whose students typed their group wrong, left their names out, publish too fast or on the wrong topic', () => {
  let broker: TestBroker;
  let classDir: string;
  const boards = new Map<string, VirtualBoard>();

  before(async () => {
    broker = await startAedes();
    classDir = await buildLab({ brokerUrl: broker.url, defaults: { listen: ['RESULT'] }, devices: roster });
    const project = JSON.parse(readFileSync(path.join(classDir, 'mpy-iot.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(classDir, 'mpy-iot.json'), JSON.stringify({ ...project, grading: { language: 'ru' } }));
    for (const team of roster) {
      const own = structuredClone(team) as { name: string; telemetry: Record<string, unknown> };
      studentProjects[team.name]!(own);
      const dir = await buildLab({ brokerUrl: broker.url, defaults: { listen: ['RESULT'] }, devices: [own] });
      boards.set(team.name, await bootBoard(dir, team.name));
    }
    // Two payloads each: connected, birth published (retained), telemetry flowing.
    for (const b of boards.values()) await until(() => b.console.filter((l) => /telemetry sent/.test(l.line)).length >= 2, `${b.name}: two payloads`, 60_000);
  });
  after(async () => {
    await Promise.all([...boards.values()].map((b) => b.stop()));
    await broker?.stop();
  });

  test('grade: every team on its own row, each failing one told what to fix; its board prints it', async () => {
    const run = await runCli(['grade', '--duration', '6s', '--report', 'grades.json'], { cwd: classDir });
    if (process.env.SHOW) console.log(run.stdout, run.stderr);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const line = (device: string): string => run.stdout.split('\n').find((l) => l.includes(`${device} (`)) ?? '';
    const mac = (device: string): string => boards.get(device)!.mac;
    assert.match(line('team-1'), /passed/);
    assert.match(line('team-2'), new RegExp(`team-2 \\(${mac('team-2')}\\)\\s+failed\\s+некорректных сообщений \\d+ из \\d+: поле /students: не должно быть пустым`));
    assert.match(line('team-3'), new RegExp(`team-3 \\(${mac('team-3')}\\)\\s+failed\\s+в сообщениях группа 'БАГ-18-2', а в списке класса 'БАГ-18-02'`));
    assert.match(line('team-4'), /failed\s+сообщения каждые 0\.\d+ с \(\d+ за 6 с\), а по заданию — раз в 1 с/);
    assert.match(line('team-5'), /failed\s+за 6 с нет телеметрии в DATA\/\{mac\}, хотя плата на связи: проверьте тему публикации/);
    assert.doesNotMatch(run.stdout, /not in this class|ничего не получено/);
    assert.match(run.stdout, /✖ 4 of 5 teams failed/);

    const json = JSON.parse(readFileSync(path.join(classDir, 'grades.json'), 'utf8')) as { teams: { device: string; passed: boolean; mac: string | null }[]; foreign: unknown[] };
    assert.deepEqual(json.teams.map((t) => [t.device, t.passed, t.mac]), roster.map((t) => [t.name, t.name === 'team-1', mac(t.name)]));
    assert.deepEqual(json.foreign, []);
    // The student with the group typo reads on the board's console what to change.
    const printed = await boards.get('team-3')!.waitForLine(/result for my board/, 20_000, { fromStart: true });
    assert.match(printed, /не зачтено: в сообщениях группа 'БАГ-18-2', а в списке класса 'БАГ-18-02'/);
  });

  test('verify fails the same teams for the same reasons, and counts none of them as a stranger', async () => {
    const run = await runCli(['verify', '--duration', '6s'], { cwd: classDir });
    if (process.env.SHOW) console.log(run.stdout, run.stderr);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const reasons = run.stdout.split('\n').filter((l) => l.startsWith('  - '));
    const about = (device: string): string => reasons.filter((r) => r.includes(`${device} (`)).join('\n');
    assert.equal(about('team-1'), '');
    assert.match(about('team-2'), /\/students must NOT have fewer than 1 items/);
    assert.match(about('team-2'), /the payload names no students, the class list says 'Попов Д\.И'/);
    assert.match(about('team-3'), /the payload says group 'БАГ-18-2', the class list says 'БАГ-18-02'/);
    assert.match(about('team-4'), /publishes every 0\.\d+ s \(\d+ payloads in 6 s\), the project says every 1 s/);
    assert.match(about('team-5'), /no telemetry received \(its status topic says online: check the topic it publishes to/);
    assert.doesNotMatch(run.stdout, /not in this class/);
  });
});
