// Bad numbers and URLs on the command line: refused before anything starts, exit 2, with the
// flag's name, what was wrong and the fix (not exit 70 "this is a bug", not a silent default).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startAedes } from '../helpers/brokers.ts';
import { labProjectJson, runCli, tempDir } from '../helpers/cli.ts';

const project = (): string => tempDir({ 'mpy-iot.json': labProjectJson() });

async function refused(args: string[], expected: RegExp[], cwd = project()): Promise<void> {
  const run = await runCli([...args, '--no-color'], { cwd });
  assert.equal(run.code, 2, `${args.join(' ')} → ${run.code}\n${run.stderr}`);
  for (const pattern of expected) assert.match(run.stderr, pattern, args.join(' '));
  assert.doesNotMatch(run.stderr, /internal error|this is a bug|at .*\.ts:\d+/);
}

test('a broker port out of range: exit 2 naming --broker and the port', async () => {
  for (const command of ['watch', 'verify', 'send', 'result']) {
    const extra = command === 'send' ? ['team-1', 'ping'] : command === 'result' ? ['--message', 'ok', '--group', 'БАГ-18-01'] : [];
    await refused([command, ...extra, '-b', 'mqtt://127.0.0.1:99999'], [/--broker: 'mqtt:\/\/127\.0\.0\.1:99999' has port 99999, which is not a TCP port/, /fix: .*--broker mqtt:\/\/127\.0\.0\.1:1883/]);
  }
});

test('a broker URL without a scheme, or a web URL: exit 2 and "did you mean mqtt://…"', async () => {
  await refused(['watch', '-b', '127.0.0.1:18901'], [/--broker: '127\.0\.0\.1:18901' has no scheme/, /did you mean --broker mqtt:\/\/127\.0\.0\.1:18901\?/]);
  await refused(['verify', '-b', 'http://127.0.0.1:18901/'], [/not an MQTT URL/, /did you mean --broker mqtt:\/\/127\.0\.0\.1:18901\?/]);
  await refused(['simulate', '--broker', 'localhost:1883'], [/did you mean --broker mqtt:\/\/localhost:1883\?/]);
});

test('a password in a refused broker URL is never printed', async () => {
  const run = await runCli(['watch', '-b', 'mqtt://alice:pw-secret-9@127.0.0.1:70000'], { cwd: project() });
  assert.equal(run.code, 2);
  assert.doesNotMatch(run.stderr, /pw-secret-9/);
  assert.match(run.stderr, /alice:\*\*\*@/);
});

test('broker --port 70000 (or abc, or --ws-port -1): exit 2 naming the flag', async () => {
  await refused(['broker', '--port', '70000'], [/--port: '70000' is not a TCP port/, /0 to 65535/]);
  await refused(['broker', '--port', 'abc'], [/--port: 'abc' is not a TCP port/]);
  await refused(['broker', '--port', '0', '--ws-port', '-1'], [/--ws-port: '-1' is not a TCP port/]);
});

test('simulate --count abc, 0, -1, 1.5: exit 2 naming --count (not 0 or 1 boards)', async () => {
  for (const count of ['abc', '0', '-1', '1.5']) await refused(['simulate', '--count', count], [new RegExp(`--count: '${count.replace('.', '\\.')}' is not a count`), /whole number of at least 1/]);
});

test('verify --duration 0 and --duration -5s: exit 2 naming --duration', async () => {
  await refused(['verify', '-b', 'mqtt://127.0.0.1:1883', '--duration', '0'], [/--duration: '0' is zero/, /fix: give a positive duration/]);
  await refused(['verify', '-b', 'mqtt://127.0.0.1:1883', '--duration', '-5s'], [/--duration: '-5s' is not a duration \(it cannot be negative\)/]);
  await refused(['simulate', '--duration', '-5s'], [/--duration: '-5s'/]);
  await refused(['verify', '-b', 'mqtt://127.0.0.1:1883', '--duration', '1h30'], [/--duration: '1h30' is not a duration/, /1h30m/]);
});

test('--duration 1h30m is an hour and a half', async () => {
  const broker = await startAedes();
  try {
    const dir = tempDir({ 'mpy-iot.json': labProjectJson({ defaults: { ...(labProjectJson().defaults as object), mqtt: { url: broker.url } } }) });
    assert.equal((await runCli(['build'], { cwd: dir })).code, 0);
    const stop = new AbortController();
    const running = runCli(['simulate', '--duration', '1h30m'], { cwd: dir, interrupt: stop.signal, onStdout: () => setTimeout(() => stop.abort(), 1500) });
    const run = await running;
    assert.match(run.stderr, /for 90\.0 min/);
    assert.equal(run.code, 130, run.stderr);
  } finally {
    await broker.stop();
  }
});

test('no command at all: the list of commands is there for "see the list above", exit 2', async () => {
  const run = await runCli([], { cwd: tempDir() });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /Commands:\n[\s\S]*mpy-iot check[\s\S]*mpy-iot flash[\s\S]*Pick a command \(see the list above\)/);
});

test('grade and verify: --max-invalid abc or -1, --min-messages 0, --expect-devices 1.5 are refused (a NaN limit passed every board)', async () => {
  for (const command of ['grade', 'verify']) {
    await refused([command, '--max-invalid', 'abc'], [/--max-invalid: 'abc' is not a count/, /at least 0/]);
    await refused([command, '--max-invalid', '-1'], [/--max-invalid: '-1' is not a count/]);
    await refused([command, '--min-messages', '0'], [/--min-messages: '0' is not a count/, /at least 1/]);
  }
  await refused(['verify', '--expect-devices', '1.5'], [/--expect-devices: '1\.5' is not a count/]);
});

test('a one-value flag given twice: exit 2 naming it (not a crash, not a "2,3" count); repeatable flags still repeat', async () => {
  await refused(['verify', '-b', 'mqtt://127.0.0.1:1', '-b', 'mqtt://127.0.0.1:2', '--duration', '1s'], [/--broker was given 2 times \(mqtt:\/\/127\.0\.0\.1:1, mqtt:\/\/127\.0\.0\.1:2\)/, /fix: give --broker once/]);
  await refused(['simulate', '--count', '2', '--count', '3', '--duration', '1s'], [/--count was given 2 times \(2, 3\)/]);
  await refused(['watch', '-u', 'a', '--username', 'b'], [/--username was given 2 times/]);
  // -d is repeatable: two devices, and the refusal is about the unknown one, not the repetition.
  const run = await runCli(['simulate', '-d', 'team-1', '-d', 'nope', '--duration', '1s', '--no-color'], { cwd: project() });
  assert.equal(run.code, 2, run.stderr);
  assert.doesNotMatch(run.stderr, /given 2 times/);
});

test("broker --tls-cert/--tls-key: a key that is not the certificate's, or a CA file that is not a certificate, is exit 2 before listening", async () => {
  const dir = project();
  assert.equal((await runCli(['certs', 'init'], { cwd: dir })).code, 0);
  assert.equal((await runCli(['certs', 'device', 'dev-1'], { cwd: dir })).code, 0);
  await refused(['broker', '--port', '0', '--tls-cert', 'certs/broker.pem', '--tls-key', 'certs/devices/dev-1.key'], [/--tls-key certs\/devices\/dev-1\.key is not the key of --tls-cert certs\/broker\.pem/], dir);
  await refused(['broker', '--port', '0', '--tls-cert', 'certs/broker.pem', '--tls-key', 'certs/broker.key', '--tls-ca', 'certs/broker.key'], [/--tls-ca certs\/broker\.key/], dir);
});
