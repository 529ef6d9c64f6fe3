// `mpy-iot broker --dashboard`: the classroom broker and its page in one command. Without a project
// every board on DATA/+ gets a card; --allow-commands without --dashboard is bad input.
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { runCli, tempDir } from '../helpers/cli.ts';
import { startServingCli, type RunningDashboard } from './cli.ts';

/**
 * The MQTT port the broker printed (it listens before it opens the page). --port 0 rather than a
 * port picked free beforehand, which another test file could take before the broker binds it.
 */
function mqttPort(served: RunningDashboard): number {
  const found = /listening on mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(served.output());
  assert.ok(found, `no MQTT listener printed: ${served.output()}`);
  return Number(found[1]);
}

test('broker --dashboard serves the page of what the broker carries, and stops with it on Ctrl-C', async () => {
  const served = await startServingCli(['broker', '--port', '0', '--dashboard', '0'], tempDir());
  try {
    const port = mqttPort(served);
    assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const board = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'mpy-iot-240ac4000001' });
    await board.publishAsync('DATA/240ac4000001', JSON.stringify({ temperature: 21.5, students: ['Иванов И.И'], group: 'БАГ-18-01' }));
    await board.endAsync();
    let state: { cards: { key: string; students: string[]; temperature: number; presence: string }[]; commands: boolean } | undefined;
    for (let i = 0; i < 200; i++) { // up to 20 s: a loaded host delivers late, not never
      state = (await (await fetch(new URL('/api/state', served.url))).json()) as typeof state;
      if (state!.cards.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(state!.cards.map((c) => [c.key, c.students, c.temperature, c.presence]), [['DATA/240ac4000001', ['Иванов И.И'], 21.5, 'online']]);
    assert.equal(state!.commands, false);
  } finally {
    const run = await served.stop();
    assert.equal(run.code, 130, run.stderr);
  }
  await assert.rejects(fetch(served.url), 'the page stops with the broker');
});

test('broker --allow-commands without --dashboard is bad input', async () => {
  const run = await runCli(['broker', '--port', '0', '--allow-commands'], { cwd: tempDir() });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /--allow-commands is for the dashboard's buttons/);
  assert.match(run.stderr, /--dashboard/);
});

test('broker --users FILE --dashboard: the page is let in although anonymous clients are refused', async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'users.txt'), 'board:s3cret-board\n');
  const served = await startServingCli(['broker', '--port', '0', '--users', 'users.txt', '--dashboard', '0'], dir);
  try {
    const port = mqttPort(served);
    await assert.rejects(mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0 }), /Not authorized|Bad username/i, 'anonymous clients stay refused');
    const board = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'mpy-iot-240ac4000002', username: 'board', password: 's3cret-board' });
    await board.publishAsync('DATA/240ac4000002', JSON.stringify({ temperature: 19.5, students: ['Петрова А.С'], group: 'БАГ-18-01' }));
    await board.endAsync();
    let keys: string[] = [];
    for (let i = 0; i < 200 && keys.length === 0; i++) { // up to 20 s
      keys = ((await (await fetch(new URL('/api/state', served.url))).json()) as { cards: { key: string }[] }).cards.map((c) => c.key);
      if (keys.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(keys, ['DATA/240ac4000002']);
  } finally {
    const run = await served.stop();
    assert.equal(run.code, 130, run.stderr);
    assert.doesNotMatch(run.stderr + run.stdout, /s3cret-board|Not authorized/);
  }
});
