// --json is exactly one JSON document on stdout, for every command, whether it succeeds or fails;
// the streaming commands write JSON Lines only with --jsonl, every line with an ISO 8601 UTC "at".
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createVirtualPort, removeVirtualPort, VirtualBinding } from '../../tools/serial/index.ts';
import { boardFarEnd } from '../../tools/sim/serialFarEnd.ts';
import { publishOnce } from '../../tools/harness/index.ts';
import { startAedes } from '../helpers/brokers.ts';
import { labProjectJson, runCli, tempDir, type CliRun } from '../helpers/cli.ts';
import { bootBoard, buildLab } from '../helpers/sim.ts';
import { until } from '../helpers/until.ts';

const ISO_UTC_MS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** stdout is one JSON object with a boolean "ok" (JSON.parse refuses two documents in a row). */
function oneDocument(run: CliRun, label: string): Record<string, unknown> {
  let doc: unknown;
  assert.doesNotThrow(() => (doc = JSON.parse(run.stdout)), `${label}: stdout is not one JSON document:\n${run.stdout.slice(0, 2000)}\nstderr: ${run.stderr.slice(0, 1000)}`);
  assert.ok(doc !== null && typeof doc === 'object' && !Array.isArray(doc), `${label}: not an object`);
  assert.equal(typeof (doc as { ok?: unknown }).ok, 'boolean', `${label}: no "ok"`);
  return doc as Record<string, unknown>;
}

/** Every stdout line is a JSON object with a type and an ISO 8601 UTC "at" with milliseconds. */
function jsonLines(run: CliRun, label: string): { type: string; at: string; [key: string]: unknown }[] {
  const lines = run.stdout.split('\n').filter((l) => l !== '');
  assert.ok(lines.length > 0, `${label}: no lines`);
  return lines.map((line) => {
    const event = JSON.parse(line) as { type: string; at: string };
    assert.equal(typeof event.type, 'string', `${label}: ${line}`);
    assert.match(event.at, ISO_UTC_MS, `${label}: ${line}`);
    return event;
  });
}

const lab = (): string => tempDir({ 'mpy-iot.json': labProjectJson() });

test('--json failures of every command: one document with ok false and the error, exit code kept', async () => {
  const cases: [string[], number][] = [
    [['demo', '--duration', 'soon'], 2],
    [['init', '--board', 'esp99'], 2],
    [['check'], 2],
    [['build'], 2],
    [['simulate', '--count', 'abc'], 2],
    [['broker', '--port', '70000'], 2],
    [['watch', '-b', '127.0.0.1:1'], 2],
    [['verify', '--duration', '0'], 2],
    [['send', 'team-1', 'ping', '-b', 'http://127.0.0.1:1'], 2],
    [['result', '-b', 'mqtt://127.0.0.1:1'], 2],
    [['grade'], 2],
    [['deploy', '--port', '/dev/x'], 2],
    [['monitor'], 2],
    [['run'], 2],
    [['flash', '--port', '/dev/x', '--image', 'missing.bin'], 2],
    [['certs', 'frob'], 2],
    [['codegen'], 2],
    [['config', 'push', 'team-1'], 2],
    [['state', 'team-1'], 2],
    [['dashboard', '--port', '70000'], 2],
    [['iot-core', 'plan'], 2],
    [['no-such-command'], 2],
  ];
  for (const [args, code] of cases) {
    const run = await runCli([...args, '--json'], { cwd: tempDir() });
    const label = `mpy-iot ${args.join(' ')} --json`;
    assert.equal(run.code, code, `${label}: exit code (stderr: ${run.stderr})`);
    const doc = oneDocument(run, label);
    assert.equal(doc.ok, false, label);
    assert.equal((doc.error as { exitCode: number }).exitCode, code, label);
  }
});

test('--json successes: check, build, init, boards, ports print one document', async () => {
  const dir = lab();
  for (const args of [['check'], ['build'], ['init', 'lab2'], ['boards'], ['ports']]) {
    const run = await runCli([...args, '--json'], { cwd: dir, serialBinding: VirtualBinding });
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    oneDocument(run, args.join(' '));
  }
});

test('deploy and run that fail at the board: one document holding what was done and the error', async () => {
  const project = await buildLab({ brokerUrl: 'mqtt://127.0.0.1:9', devices: [{ name: 'team-1', board: 'esp32', telemetry: { students: ['A'], group: 'G' } }] });
  const deploy = await runCli(['deploy', '--port', '/dev/ttyNOPE-json', '--json'], { cwd: project, serialBinding: VirtualBinding });
  assert.equal(deploy.code, 3, deploy.stderr);
  const deployed = oneDocument(deploy, 'deploy');
  assert.equal(deployed.ok, false);
  assert.equal((deployed.ports as { port: string }[])[0]!.port, '/dev/ttyNOPE-json');
  assert.equal((deployed.error as { exitCode: number }).exitCode, 3);

  const run = await runCli(['run', '--port', '/dev/ttyNOPE-json', '--json'], { cwd: project, serialBinding: VirtualBinding });
  assert.equal(run.code, 3, run.stderr);
  const ran = oneDocument(run, 'run');
  assert.equal(ran.ok, false);
  assert.equal(ran.device, 'team-1');
  assert.equal((ran.build as { ok: boolean }).ok, true, 'the build step is in the document');
  assert.equal((ran.deploy as { ok: boolean }).ok, false, 'the failed deploy step is in the document');
  assert.equal((ran.error as { exitCode: number }).exitCode, 3);
});

test('verify, send and result with a broker: one document each', async () => {
  const broker = await startAedes();
  after(() => broker.stop());
  const dir = lab();
  const verify = await runCli(['verify', '-b', broker.url, '--duration', '1s', '--json'], { cwd: dir });
  assert.equal(verify.code, 1, 'nothing was heard: verification failed');
  assert.equal(oneDocument(verify, 'verify').ok, false);
  const result = await runCli(['result', '-b', broker.url, '-m', 'done', '--json'], { cwd: dir });
  assert.equal(result.code, 0, result.stderr);
  oneDocument(result, 'result');
  const send = await runCli(['send', 'team-1', 'ping', '-b', broker.url, '--timeout', '1s', '--json'], { cwd: dir });
  assert.equal(send.code, 3, 'no board answers: a device error');
  assert.equal(oneDocument(send, 'send').ok, false);
});

test('watch and broker: --json is one summary document when stopped, --jsonl streams events with ISO timestamps', async () => {
  const broker = await startAedes();
  after(() => broker.stop());
  const watchRun = async (flag: string): Promise<CliRun> => {
    const stop = new AbortController();
    let [stdout, stderr] = ['', ''];
    const running = runCli(['watch', '-b', broker.url, '-t', 'DATA/#', flag], { cwd: tempDir(), interrupt: stop.signal, onStdout: (t) => (stdout += t), onStderr: (t) => (stderr += t) });
    await until(() => /: connected/.test(stderr), 'watch subscribed');
    await publishOnce({ url: broker.url, topic: 'DATA/aabbccddeeff', payload: JSON.stringify({ temperature: 21.5, students: ['A'], group: 'G', measuredAt: 1700000000000 }) });
    if (flag === '--jsonl') await until(() => stdout.includes('DATA/aabbccddeeff'), 'the message streamed');
    stop.abort();
    return running;
  };
  const watched = await watchRun('--json');
  assert.equal(watched.code, 130, watched.stderr);
  const snapshot = oneDocument(watched, 'watch --json');
  assert.match(String(snapshot.at), ISO_UTC_MS);
  const streamed = await watchRun('--jsonl');
  const events = jsonLines(streamed, 'watch --jsonl');
  const heard = events.find((e) => e.type === 'message' && e.topic === 'DATA/aabbccddeeff');
  assert.ok(heard, streamed.stdout);
  assert.match(String(heard.at), ISO_UTC_MS);
  // The board's own fields are shown as it sent them, even when named like a timestamp.
  assert.equal((heard.payload as { measuredAt: unknown }).measuredAt, 1700000000000);
  assert.equal(events.at(-1)!.type, 'summary');

  const brokerRun = async (flag: string): Promise<CliRun> => {
    const stop = new AbortController();
    let said = '';
    const running = runCli(['broker', '--port', '0', flag], { cwd: tempDir(), interrupt: stop.signal, onStdout: (t) => (said += t), onStderr: (t) => (said += t) });
    await until(() => /listening/.test(said), 'broker listening');
    stop.abort();
    return running;
  };
  const summary = oneDocument(await brokerRun('--json'), 'broker --json');
  assert.match((summary.listening as string[])[0]!, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
  const lines = jsonLines(await brokerRun('--jsonl'), 'broker --jsonl');
  assert.equal(lines[0]!.type, 'listening');
  assert.equal(lines.at(-1)!.type, 'summary');
});

test('--json and --jsonl together are refused; --jsonl is only for streaming commands', async () => {
  const both = await runCli(['watch', '--json', '--jsonl'], { cwd: tempDir() });
  assert.equal(both.code, 2);
  assert.match(both.stdout.split('\n')[0]!, /"type":"error"/);
  assert.match(both.stdout, /--json and --jsonl: pick one/);
  const check = await runCli(['check', '--jsonl'], { cwd: lab() });
  assert.equal(check.code, 2);
  assert.match(String((oneDocument(check, 'check --jsonl').error as { message: string }).message), /Unknown argument: jsonl/);
});

test('simulate and monitor: --json is one summary document, --jsonl one event per line with ISO timestamps', async () => {
  const broker = await startAedes();
  after(() => broker.stop());
  const project = await buildLab({ brokerUrl: broker.url, devices: [{ name: 'team-1', board: 'esp32', telemetry: { students: ['A'], group: 'G' } }] });
  const simulated = await runCli(['simulate', '--duration', '2s', '--json'], { cwd: project });
  assert.equal(simulated.code, 0, simulated.stderr);
  const summary = oneDocument(simulated, 'simulate --json');
  assert.deepEqual((summary.boards as { board: string }[]).map((b) => b.board), ['team-1']);
  // Stopped (as Ctrl-C) once the board printed and lit its LED, not after a fixed --duration: on a
  // loaded host 4 s ended before the board had printed anything.
  const stopStream = new AbortController();
  let jsonl = '';
  const streaming = runCli(['simulate', '--jsonl'], { cwd: project, interrupt: stopStream.signal, onStdout: (t) => (jsonl += t) });
  try {
    await until(() => /"type":"console".*"board":"team-1"/.test(jsonl) && /"type":"led"/.test(jsonl), 'a console line and an LED event streamed', 60_000);
  } finally {
    stopStream.abort();
  }
  const streamed = await streaming;
  assert.equal(streamed.code, 130, streamed.stderr);
  const events = jsonLines(streamed, 'simulate --jsonl');
  assert.ok(events.some((e) => e.type === 'console' && e.board === 'team-1'));
  assert.ok(events.some((e) => e.type === 'led'), 'LED events carry the same timestamp format');
  assert.equal(events.at(-1)!.type, 'summary');

  const board = await bootBoard(project, 'team-1');
  const port = `/dev/ttyVIRTjson${process.pid}`;
  createVirtualPort(port, boardFarEnd(board));
  after(async () => {
    removeVirtualPort(port);
    await board.stop();
  });
  const monitorRun = async (flag: string): Promise<CliRun> => {
    const stop = new AbortController();
    let [stdout, stderr] = ['', ''];
    const running = runCli(['monitor', '--port', port, flag], { cwd: project, serialBinding: VirtualBinding, stdin: new PassThrough(), interrupt: stop.signal, onStdout: (t) => (stdout += t), onStderr: (t) => (stderr += t) });
    await until(() => /connected to/.test(stderr), 'monitor connected');
    // Two lines printed since it connected: the first has crossed the serial link by the second.
    await board.waitForLine(/telemetry/, 30_000);
    await board.waitForLine(/telemetry/, 30_000);
    if (flag === '--jsonl') await until(() => /\[mpy-iot\]/.test(stdout), 'a console line streamed');
    stop.abort();
    return running;
  };
  const monitored = oneDocument(await monitorRun('--json'), 'monitor --json');
  assert.ok((monitored.bytesReceived as number) > 0);
  const lines = jsonLines(await monitorRun('--jsonl'), 'monitor --jsonl');
  assert.ok(lines.some((l) => l.type === 'console' && /\[mpy-iot\]/.test(String(l.line))), JSON.stringify(lines).slice(0, 500));
  assert.equal(lines.at(-1)!.type, 'summary');
});
