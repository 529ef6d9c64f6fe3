// Issue 11's class, as a teacher meets it: 4 teams in 2 groups on one broker, one team silent, one
// sending invalid payloads, a board of another project, and two students running the default
// `init` lab (both called team-1). `grade` must pass exactly the healthy teams, tell each failing
// board its own reason, ignore the boards that are not in the class, exit 1 and write the CSV.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { startVirtualBoard, type VirtualBoard } from '../../tools/sim/board.ts';
import { startAedes, type TestBroker } from '../helpers/brokers.ts';
import { runCli, tempDir } from '../helpers/cli.ts';
import { bootBoard, buildLab } from '../helpers/sim.ts';
import { until } from '../helpers/until.ts';

const TEAM3_MAC = '240ac4dd0003';

describe('grading a class of 4 teams with a silent one, an invalid one, a foreign board and two default labs', () => {
  let broker: TestBroker;
  let classDir: string;
  let boards: { team1: VirtualBoard; team4: VirtualBoard; foreign: VirtualBoard; defaultA: VirtualBoard; defaultB: VirtualBoard };
  let team3: MqttClient;
  let team3Results: string[];
  let team3Timer: NodeJS.Timeout;

  before(async () => {
    broker = await startAedes();
    classDir = await buildLab({
      brokerUrl: broker.url,
      defaults: { telemetry: { intervalSeconds: 1 }, listen: ['RESULT'] },
      devices: [
        { name: 'team-1', board: 'esp32', telemetry: { students: ['Смирнов А.А', 'Орлова Е.В'], group: 'БАГ-18-01' } },
        { name: 'team-2', board: 'esp32', telemetry: { students: ['Кузнецова М.П'], group: 'БАГ-18-01' } },
        { name: 'team-3', board: 'esp32', telemetry: { students: ['Попов Д.И'], group: 'БАГ-18-02' } },
        { name: 'team-4', board: 'esp8266', telemetry: { students: ['Ng K.', 'Ли В.'], group: 'БАГ-18-02', sensor: 'simulated' } },
      ],
    });
    const project = JSON.parse(readFileSync(path.join(classDir, 'mpy-iot.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(classDir, 'mpy-iot.json'), JSON.stringify({ ...project, grading: { language: 'ru' } }));
    // A board of another teacher's project on the same broker.
    const otherDir = await buildLab({ brokerUrl: broker.url, devices: [{ name: 'sensor-a', board: 'esp32', telemetry: { students: ['Гость'], group: 'ИВТ-20-01' } }] });
    // The default lab exactly as `init` writes it (its broker address redirected to the test broker).
    const labDir = tempDir();
    assert.equal((await runCli(['init', labDir], { cwd: labDir })).code, 0);
    const lab = JSON.parse(readFileSync(path.join(labDir, 'mpy-iot.json'), 'utf8')) as { defaults: { telemetry: { intervalSeconds: number } } };
    lab.defaults.telemetry.intervalSeconds = 2;
    writeFileSync(path.join(labDir, 'mpy-iot.json'), JSON.stringify(lab));
    const built = await runCli(['build'], { cwd: labDir, env: { WIFI_SSID: 'lab-wifi', WIFI_PASSWORD: 'lab-password', MQTT_HOST: '127.0.0.1' } });
    assert.equal(built.code, 0, built.stderr);
    const toBroker = { accessPoint: { ssid: 'lab-wifi', password: 'lab-password' }, connectTarget: () => ({ host: '127.0.0.1', port: broker.port }) };
    boards = {
      team1: await bootBoard(classDir, 'team-1'),
      team4: await bootBoard(classDir, 'team-4'),
      foreign: await bootBoard(otherDir, 'sensor-a'),
      defaultA: await startVirtualBoard(path.join(labDir, 'build', 'team-1'), toBroker),
      defaultB: await startVirtualBoard(path.join(labDir, 'build', 'team-1'), toBroker),
    };
    // team-3 wrote its own firmware: it sends the temperature as text, with its birth like ours.
    team3Results = [];
    team3 = await mqtt.connectAsync(broker.url, { clientId: `mpy-iot-${TEAM3_MAC}`, will: { topic: '$devices/team-3/state', payload: Buffer.from(`{"status": "offline", "mac": "${TEAM3_MAC}"}`), qos: 0, retain: true } });
    await team3.subscribeAsync('RESULT');
    team3.on('message', (_t, p) => team3Results.push(p.toString('utf8')));
    await team3.publishAsync('$devices/team-3/state', JSON.stringify({ status: 'online', name: 'team-3', mac: TEAM3_MAC, boot: 'power_on', connects: 1 }), { retain: true });
    const sendTeam3 = (): void => void team3.publish(`DATA/${TEAM3_MAC}`, JSON.stringify({ temperature: '22.5', students: ['Попов Д.И'], group: 'БАГ-18-02' }));
    team3Timer = setInterval(sendTeam3, 1000);
    await Promise.all(Object.values(boards).map((b) => b.waitForLine(/telemetry sent/, 20_000)));
  });
  after(async () => {
    clearInterval(team3Timer);
    await team3?.endAsync();
    await Promise.all(Object.values(boards ?? {}).map((b) => b.stop()));
    await broker.stop();
  });

  test('two default team-1 labs get their own MACs and stay connected (no client-id fight)', () => {
    assert.notEqual(boards.defaultA.mac, boards.defaultB.mac);
    for (const b of [boards.defaultA, boards.defaultB]) {
      assert.equal(b.console.filter((l) => /connection lost/.test(l.line)).length, 0, b.console.map((l) => l.line).join('\n'));
    }
  });

  test('grade: passes exactly the healthy teams, fails the others with their reason on their board, ignores the rest, exits 1, writes the CSV', async () => {
    const run = await runCli(['grade', '--report', 'grades.csv', '--report', 'grades.json'], { cwd: classDir });
    if (process.env.SHOW) console.log(run.stdout, run.stderr);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const line = (device: string): string => run.stdout.split('\n').find((l) => l.includes(`${device} (`)) ?? '';
    assert.match(line('team-1'), /Смирнов А\.А, Орлова Е\.В\s+БАГ-18-01\s+team-1 \(240ac4\w{6}\)\s+passed/);
    assert.match(line('team-2'), /failed\s+за \d+ с ничего не получено/);
    assert.match(line('team-3'), new RegExp(`team-3 \\(${TEAM3_MAC}\\)\\s+failed\\s+некорректных сообщений \\d+ из \\d+: поле /temperature: должно быть числом`));
    assert.match(line('team-4'), /Ng K\., Ли В\.\s+БАГ-18-02\s+team-4 \(240ac4\w{6}\)\s+passed/);
    assert.match(run.stdout, /✖ 2 of 4 teams failed/);
    assert.match(run.stdout, /3 boards not in this class: not graded/);
    for (const mac of [boards.foreign.mac, boards.defaultA.mac, boards.defaultB.mac]) assert.match(run.stdout, new RegExp(`${mac}\\s+ignored\\s+not in this class`));

    const csv = readFileSync(path.join(classDir, 'grades.csv'), 'utf8').slice(1).trimEnd().split('\r\n');
    assert.equal(csv[0], 'group,students,device,board,verdict,reason,valid,invalid,messages');
    assert.deepEqual(csv.slice(1, 5).map((l) => l.split(',').slice(0, 5).join(',')), [
      `БАГ-18-01,Смирнов А.А; Орлова Е.В,team-1,${boards.team1.mac},passed`,
      'БАГ-18-01,Кузнецова М.П,team-2,,failed',
      `БАГ-18-02,Попов Д.И,team-3,${TEAM3_MAC},failed`,
      `БАГ-18-02,Ng K.; Ли В.,team-4,${boards.team4.mac},passed`,
    ]);
    assert.equal(csv.filter((l) => l.includes('not in this class')).length, 3);
    const json = JSON.parse(readFileSync(path.join(classDir, 'grades.json'), 'utf8')) as { passed: boolean; teams: { device: string; passed: boolean }[] };
    assert.equal(json.passed, false);
    assert.deepEqual(json.teams.map((t) => [t.device, t.passed]), [['team-1', true], ['team-2', false], ['team-3', false], ['team-4', true]]);

    // Each board prints its own verdict and nothing addressed to another board.
    assert.match(await boards.team1.waitForLine(/result for my board/, 20_000, { fromStart: true }), /Смирнов А\.А, Орлова Е\.В — зачтено/);
    assert.match(await boards.team4.waitForLine(/result for my board/, 20_000, { fromStart: true }), /Ng K\., Ли В\. — зачтено/);
    for (const b of Object.values(boards)) assert.equal(b.console.filter((l) => /result for/.test(l.line)).length, b === boards.team1 || b === boards.team4 ? 1 : 0, `${b.name}: ${b.console.filter((l) => /result/.test(l.line)).map((l) => l.line).join('\n')}`);
    // team-3's own firmware gets its failure addressed to its MAC, in the lab's {group, message} form.
    // It reaches team-3's client through the broker on its own socket: grade may exit before it lands.
    const forTeam3 = (): Record<string, unknown>[] => team3Results.map((r) => JSON.parse(r) as Record<string, unknown>).filter((r) => r.mac === TEAM3_MAC);
    await until(() => forTeam3().length > 0, "team-3's RESULT at its client");
    const mine = forTeam3();
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.group, 'БАГ-18-02');
    assert.match(String(mine[0]!.message), /^Попов Д\.И — не зачтено: некорректных сообщений/);
  });

  test('verify and watch: the table shows students and temperature, the foreign boards are not counted healthy', async () => {
    const run = await runCli(['verify', '--duration', '3s'], { cwd: classDir });
    if (process.env.SHOW) console.log(run.stdout);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /team-4 \(240ac4\w{6}\)\s+Ng K\., Ли В\.\s+\?|team-4 \(240ac4\w{6}\)\s+Ng K\., Ли В\.\s+online/);
    assert.match(run.stdout, /team-3 \(240ac4dd0003\).*\/temperature must be number/);
    assert.match(run.stdout, /team-2\s+Кузнецова М\.П\s+silent/);
    assert.match(run.stdout, /3 boards not in this class \(ignored/);
    assert.doesNotMatch(run.stdout, /sensor-a.*✓|✓.*sensor-a/);
  });

  test('after the whole session, no board of the class or the labs was ever disconnected (no client-id fight)', () => {
    for (const b of Object.values(boards)) {
      assert.equal(b.console.filter((l) => /connection lost/.test(l.line)).length, 0, `${b.name} (${b.mac}) lost its connection`);
      assert.equal(b.console.filter((l) => /mqtt connected/.test(l.line)).length, 1, `${b.name} (${b.mac}) connected once`);
    }
  });
});

test('grade: bad arguments are refused with exit 2 before listening', async () => {
  const dir = tempDir();
  const report = await runCli(['grade', '--report', 'grades.txt'], { cwd: dir });
  assert.equal(report.code, 2);
  assert.match(report.stderr, /--report grades\.txt: the name must end in \.csv or \.json/);
  const min = await runCli(['grade', '--min-messages', '0'], { cwd: dir });
  assert.equal(min.code, 2);
  assert.match(min.stderr, /--min-messages: '0' is not a count/);
  const language = await runCli(['grade'], { cwd: tempDir({ 'mpy-iot.json': { grading: { language: 'de' }, defaults: { board: 'esp32', wifi: { ssid: 'x' }, mqtt: { url: 'mqtt://127.0.0.1:1' } }, devices: [{ name: 'team-1' }] } }) });
  assert.equal(language.code, 2);
  assert.match(language.stderr, /grading\.language|\/grading\/language/);
});
