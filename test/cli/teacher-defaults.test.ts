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
import { until } from '../helpers/until.ts';
import { runnableClock } from '../helpers/clock.ts';

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
    const now = runnableClock(); // this thread's own clock: a busy machine's other work is not retrying
    const started = now();
    const refused = await runCli(['verify', '--duration', '1s'], { cwd: dir });
    assert.equal(refused.code, 3, 'no credentials: the broker refuses');
    assert.ok(now() - started < 5000, 'a refused login fails at once, not after retrying');
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
    await Promise.all(boards.map((b) => b.waitForLine(/telemetry sent/, 30_000)));
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

describe('presence where births are not retained (IoT Core): a ping round', () => {
  let project: string;
  let board: VirtualBoard;
  let broker: RunningBroker;
  before(async () => {
    broker = await startBroker({ port: 0 });
    project = await buildLab({
      brokerUrl: broker.url,
      // A long interval: after the send at connect, none comes during the test however slow the host.
      defaults: { mqtt: { url: broker.url, retainStatus: false }, telemetry: { intervalSeconds: 60 } },
      devices: [{ name: 'team-1', board: 'esp32', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01' } }],
    });
    board = await bootBoard(project, 'team-1');
    await board.waitForLine(/telemetry sent/, 30_000);
  });
  after(async () => {
    await board.stop();
    await broker.close();
  });

  test('a board that was up before is online at once, from its answer to the ping', async () => {
    const run = await runCli(['verify', '--duration', '1500ms', '--json'], { cwd: project });
    const doc = run.json<{ devices: { device: string; stats: { status: string; messages: number } | null }[] }>();
    const row = doc.devices.find((d) => d.device === 'team-1');
    assert.equal(row?.stats?.status, 'online', JSON.stringify(doc.devices));
    assert.equal(row?.stats?.messages, 0, 'no telemetry since the one at connect (60 s interval): the ping said it');
  });
});

test('watch on a terminal stays small for a class of 32: one short line per board, no topic list', async () => {
  const broker = await startBroker({ port: 0 });
  try {
    const devices = Array.from({ length: 32 }, (_, i) => ({ name: `team-${i + 1}`, telemetry: { students: [`Студент ${i + 1}`], group: i < 16 ? 'БАГ-18-01' : 'БАГ-18-02' } }));
    const dir = tempDir({ 'mpy-iot.json': { defaults: { board: 'esp32', wifi: { ssid: 'lab-wifi' }, mqtt: { url: broker.url } }, devices } });
    const stop = new AbortController();
    const frames: string[] = [];
    const watching = runCli(['watch', '--no-color'], { cwd: dir, isTTY: true, interrupt: stop.signal, onStdout: (t) => t.startsWith('\x1b[2J') && frames.push(t) });
    const sender = await (await import('mqtt')).default.connectAsync(broker.url);
    await until(() => frames.length > 0, 'a first frame (watch subscribed)');
    await sender.publishAsync('DATA/240ac4000007', JSON.stringify({ temperature: 23.4, students: ['Студент 7'], group: 'БАГ-18-01' }));
    await until(() => /team-7 \(240ac4000007\)/.test(frames.at(-1) ?? ''), 'a frame with team-7 heard');
    await sender.endAsync();
    stop.abort();
    await watching;
    const frame = frames.at(-1) ?? '';
    const lines = frame.replace('\x1b[2J\x1b[H', '').trimEnd().split('\n');
    assert.ok(lines.length <= 32 + 4, `${lines.length} lines`);
    assert.ok(Math.max(...lines.map((l) => l.length)) <= 140, lines.find((l) => l.length > 140));
    assert.ok(frame.length < 32 * 140, `${frame.length} bytes per redraw`);
    assert.match(frame, /team-7 \(240ac4000007\)\s+Студент 7\s+\?\s+1\s+0\s+23\.4/);
    assert.match(frame, /team-12\s+Студент 12\s+silent/, 'silent roster rows show their students');
    assert.match(frame, /watching \d+ topic filters on mqtt:\/\/127\.0\.0\.1:\d+ — Ctrl-C to stop/);
    assert.match(frame, /✓ healthy {2}✖ failing {2}– not in this class/);
  } finally {
    await broker.close();
  }
});
