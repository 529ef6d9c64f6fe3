import { test } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { runCli, tempDir } from '../helpers/cli.ts';

test('mpy-iot broker: listens, logs clients and refusals, stops on Ctrl-C', async () => {
  const dir = tempDir({ 'users.txt': '# lab accounts\nalice:alice-secret-1\n' });
  const stop = new AbortController();
  // --port 0 and the port it prints: a port picked free beforehand can be taken by another test
  // file (a listener or an outgoing connection) before the broker binds it.
  let listening!: (port: number) => void;
  const ready = new Promise<number>((resolve) => (listening = resolve));
  const running = runCli(['broker', '--port', '0', '--users', 'users.txt'], {
    cwd: dir,
    interrupt: stop.signal,
    onStdout: (t) => {
      const found = /listening on mqtt:\/\/127\.0\.0\.1:(\d+)/.exec(t);
      if (found) listening(Number(found[1]));
    },
  });
  const port = await ready;
  const good = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: 'alice', password: 'alice-secret-1', clientId: 'alice-laptop', reconnectPeriod: 0 });
  await good.endAsync();
  await assert.rejects(mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: 'alice', password: 'wrong', clientId: 'intruder', reconnectPeriod: 0 }), /Bad username or password|code 4|Not authorized/i);
  stop.abort();
  const run = await running;
  assert.equal(run.code, 130, run.stderr); // stopped by Ctrl-C
  assert.match(run.stdout, new RegExp(`listening on mqtt://127.0.0.1:${port}`));
  assert.match(run.stdout, /\+ alice-laptop/);
  assert.match(run.stdout, /intruder: connect refused/);
  assert.doesNotMatch(run.stdout + run.stderr, /alice-secret-1/);
  assert.match(run.stderr, /broker stopped/);
});

test('mpy-iot broker: a bad users file is refused with its line', async () => {
  const dir = tempDir({ 'users.txt': 'alice:pw-one\nbob-without-colon\n' });
  const run = await runCli(['broker', '--port', '0', '--users', 'users.txt'], { cwd: dir });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /line 2/);
});
