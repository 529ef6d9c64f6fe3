// The teacher commands' defaults: the project's credentials (and -u/-P), never a password printed,
// the project's telemetry schema, and presence known at start (retained births).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startBroker, type RunningBroker } from '../../tools/broker/index.ts';
import type { VirtualBoard } from '../../tools/sim/board.ts';
import { runCli, tempDir } from '../helpers/cli.ts';
import { bootBoard, buildLab } from '../helpers/sim.ts';

const SECRET = 'wonderland-42';

describe('a broker with a users list', () => {
  let broker: RunningBroker;
  before(async () => {
    broker = await startBroker({ port: 0, users: [{ username: 'teacher', password: SECRET }] });
  });
  after(() => broker.close());

  const project = (extra: Record<string, unknown> = {}): string => tempDir({
    'mpy-iot.json': {
      defaults: { board: 'esp32', wifi: { ssid: 'lab-wifi', password: 'lab-password' }, mqtt: { url: broker.url, ...extra }, telemetry: { intervalSeconds: 1 } },
      devices: [{ name: 'team-1', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01' } }],
    },
  });
  test("verify logs in with the project's mqtt.username/password", async () => {
    const dir = project({ username: 'teacher', password: SECRET });
    const run = await runCli(['verify', '--duration', '2s', '--json'], { cwd: dir });
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.json<{ ok: boolean }>().ok, false, 'connected and judged (team-1 silent), not refused');
    assert.doesNotMatch(run.stdout + run.stderr, new RegExp(SECRET));
  });

  test('-u/-P like mosquitto_sub, and credentials in -b are never printed', async () => {
    const dir = project();
    const started = Date.now();
    const refused = await runCli(['verify', '--duration', '1s'], { cwd: dir });
    assert.equal(refused.code, 3, 'no credentials: the broker refuses');
    assert.ok(Date.now() - started < 5000, 'a refused login fails at once, not after retrying');
    const withFlags = await runCli(['verify', '--duration', '1s', '-u', 'teacher', '-P', SECRET], { cwd: dir });
    assert.notEqual(withFlags.code, 3, withFlags.stderr);
    assert.doesNotMatch(withFlags.stdout + withFlags.stderr, new RegExp(SECRET));
    const url = broker.url.replace('mqtt://', `mqtt://teacher:${SECRET}@`);
    const inUrl = await runCli(['verify', '--duration', '1s', '-b', url], { cwd: dir });
    assert.notEqual(inUrl.code, 3, inUrl.stderr);
    assert.match(inUrl.stderr + inUrl.stdout, /verifying on mqtt:\/\/teacher:\*\*\*@127\.0\.0\.1/);
    assert.doesNotMatch(inUrl.stdout + inUrl.stderr, new RegExp(SECRET));
    const wrong = await runCli(['verify', '--duration', '1s', '-b', url.replace(SECRET, 'nope-nope'), '--json'], { cwd: dir });
    assert.equal(wrong.code, 3);
    assert.doesNotMatch(wrong.stdout + wrong.stderr, /nope-nope/);
  });
});

describe('boards that were up before the teacher started watching', () => {
  let project: string;
  let boards: VirtualBoard[];
  let broker: RunningBroker;
  before(async () => {
    broker = await startBroker({ port: 0 });
    project = await buildLab({
      brokerUrl: broker.url,
      devices: [
        { name: 'team-1', board: 'esp32', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01' } },
        { name: 'team-2', board: 'esp32', telemetry: { students: ['Петрова А.С'], group: 'БАГ-18-01' } },
      ],
    });
    boards = [await bootBoard(project, 'team-1'), await bootBoard(project, 'team-2')];
    await Promise.all(boards.map((b) => b.waitForLine(/telemetry sent/, 15_000)));
  });
  after(async () => {
    await Promise.all(boards.map((b) => b.stop()));
    await broker.close();
  });

  test('are online from the first moment (retained births), with students and temperature in the table', async () => {
    const run = await runCli(['verify', '--duration', '1500ms'], { cwd: project });
    assert.equal(run.code, 0, run.stdout);
    for (const [device, student] of [['team-1', 'Иванов И\\.И'], ['team-2', 'Петрова А\\.С']]) {
      assert.match(run.stdout, new RegExp(`${device} \\(240ac4\\w{6}\\)\\s+${student}\\s+online\\s+\\d+\\s+0\\s+\\d+\\.\\d`));
    }
  });

  test("verify uses the project's telemetry.schema.json by default (watch and grade share the lookup)", async () => {
    // A stricter schema the boards do not satisfy: temperature must be below 0.
    writeFileSync(path.join(project, 'telemetry.schema.json'), JSON.stringify({ type: 'object', required: ['temperature'], properties: { temperature: { type: 'number', maximum: 0 } } }));
    try {
      const run = await runCli(['verify', '--duration', '1500ms'], { cwd: project });
      assert.equal(run.code, 1, run.stdout);
      assert.match(run.stdout, /team-1 \(240ac4\w{6}\).*\/temperature must be <= 0/);
      assert.doesNotMatch(run.stdout, /silent/, 'invalid payloads stay on their team row');
    } finally {
      writeFileSync(path.join(project, 'telemetry.schema.json'), '{}');
    }
  });
});
