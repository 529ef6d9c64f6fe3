// ports, deploy and monitor through the unchanged serialport stack, over the virtual binding whose
// far end is a virtual board (byte-exact REPL, DTR/RTS wired as on ESP dev boards).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { createVirtualPort, removeVirtualPort, VirtualBinding } from '../../tools/serial/index.ts';
import type { VirtualBoard } from '../../tools/sim/board.ts';
import { boardFarEnd } from '../../tools/sim/serialFarEnd.ts';
import { startAedes } from '../helpers/brokers.ts';
import { runCli } from '../helpers/cli.ts';
import { bootBoard, buildLab } from '../helpers/sim.ts';
import { until } from '../helpers/until.ts';

let serial = 0;
const portPath = (): string => `/dev/ttyVIRT${process.pid}-${serial++}`;

/** A lab board (blank unless said otherwise) behind a new virtual port; both go away after the test. */
async function boardOnPort(name: string, options: { blank?: boolean } = { blank: true }): Promise<{ project: string; board: VirtualBoard; port: string }> {
  const project = await buildLab({ brokerUrl: 'mqtt://127.0.0.1:9', devices: [{ name, board: 'esp32', telemetry: { students: ['A'], group: 'G' } }] });
  const board = await bootBoard(project, name, options);
  const port = portPath();
  createVirtualPort(port, boardFarEnd(board));
  after(async () => {
    removeVirtualPort(port);
    await board.stop();
  });
  return { project, board, port };
}

test('ports lists virtual boards with their adapter and board guess', async () => {
  const board = await bootBoard(await buildLab({ brokerUrl: 'mqtt://127.0.0.1:9', devices: [{ name: 'p', board: 'esp32', telemetry: { students: ['A'], group: 'G' } }] }), 'p', { blank: true });
  const port = portPath();
  createVirtualPort(port, boardFarEnd(board), { vendorId: '10c4', productId: 'ea60', manufacturer: 'Silicon Labs' });
  after(async () => {
    removeVirtualPort(port);
    await board.stop();
  });
  const run = await runCli(['ports', '--json'], { cwd: process.cwd(), serialBinding: VirtualBinding });
  assert.equal(run.code, 0, run.stderr);
  const entry = run.json<{ ports: { path: string; adapter: string; boards: string[] }[] }>().ports.find((p) => p.path === port);
  assert.equal(entry?.adapter, 'CP210x');
  assert.ok(entry?.boards.includes('esp32'));
});

test('deploy over the serial stack: the board then publishes valid telemetry; a second deploy sends only what changed', async () => {
  const broker = await startAedes();
  const project = await buildLab({ brokerUrl: broker.url, devices: [{ name: 'dev', board: 'esp32', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01' } }] });
  const board = await bootBoard(project, 'dev', { blank: true });
  const port = portPath();
  createVirtualPort(port, boardFarEnd(board), { vendorId: '1a86', productId: '7523' });
  after(async () => {
    removeVirtualPort(port);
    await board.stop();
    await broker.stop();
  });
  const first = await runCli(['deploy', '--port', port, '--json'], { cwd: project, serialBinding: VirtualBinding });
  assert.equal(first.code, 0, first.stdout + first.stderr);
  const sent = first.json<{ ports: { result: { uploaded: string[]; wireBytes: number } }[] }>().ports[0]!.result;
  assert.ok(sent.uploaded.includes('main.py') && sent.uploaded.includes('config.py'));
  await board.waitForLine(/telemetry sent/, 30_000);
  await until(() => broker.published.some((p) => p.topic === `DATA/${board.mac}`), 'DATA at the broker');
  assert.match(broker.published.find((p) => p.topic === `DATA/${board.mac}`)!.payload.toString(), /"students": \["Иванов И\.И"\]/);

  const again = await runCli(['deploy', '--port', port, '--json'], { cwd: project, serialBinding: VirtualBinding });
  assert.equal(again.code, 0, again.stderr);
  const second = again.json<{ ports: { result: { uploaded: string[]; wireBytes: number } }[] }>().ports[0]!.result;
  assert.deepEqual(second.uploaded, [], 'nothing changed, nothing sent');
  assert.ok(second.wireBytes < sent.wireBytes / 5, `${second.wireBytes} B vs ${sent.wireBytes} B`);
});

test('monitor: shows the REPL, sends keys, logs with timestamps, hard-resets with Ctrl-T R, quits with Ctrl-]', async () => {
  const { project, board, port } = await boardOnPort('mon', {});
  await board.waitForLine(/\[mpy-iot\] INFO app/, 30_000);
  const keys = new PassThrough();
  let output = '';
  let notes = '';
  const running = runCli(['monitor', '--port', port, '--timestamps', '--log', 'serial.log'], { cwd: project, serialBinding: VirtualBinding, stdin: keys, onStdout: (t) => (output += t), onStderr: (t) => (notes += t) });
  const shown = (pattern: RegExp): Promise<void> => until(() => pattern.test(output), `${pattern} on the monitor`);
  await until(() => /connected to/.test(notes), 'monitor connected');
  keys.write('\x03');
  await shown(/>>> /);
  keys.write('print(6 * 7)\r');
  await shown(/\[\d\d:\d\d:\d\d\.\d{3}\] 42/);
  keys.write('\x14r');
  await shown(/42[\s\S]*boot=power_on/); // an ESP32 reports the EN pin as a power-on reset
  keys.write('\x1d');
  const run = await running;
  assert.equal(run.code, 0, run.stderr);
  assert.equal(board.resets.at(-1)?.cause, 'hard');
  assert.match(readFileSync(path.join(project, 'serial.log'), 'utf8'), /\[\d\d:\d\d:\d\d\.\d{3}\] 42/);
});

test('monitor with stdin that is not a terminal (CI, background, </dev/null): keeps monitoring and logging until Ctrl-C', async () => {
  const { project, board, port } = await boardOnPort('ci', {});
  const keys = new PassThrough();
  keys.end(); // no keys will ever come
  const stop = new AbortController();
  let notes = '';
  const running = runCli(['monitor', '--port', port, '--log', 'ci.log'], { cwd: project, serialBinding: VirtualBinding, stdin: keys, interrupt: stop.signal, onStderr: (t) => (notes += t) });
  await until(() => /connected to/.test(notes), 'monitor connected');
  board.hardReset(); // the program starts again and prints its banner: it must reach the log
  const log = (): string => (existsSync(path.join(project, 'ci.log')) ? readFileSync(path.join(project, 'ci.log'), 'utf8') : '');
  await until(() => /INFO app/.test(log()), 'the banner in ci.log');
  stop.abort();
  const run = await running;
  assert.equal(run.code, 130, run.stderr);
  assert.match(readFileSync(path.join(project, 'ci.log'), 'utf8'), /\[\d\d:\d\d:\d\d\.\d{3}\] .*INFO app/);
});

test('run: builds, deploys and opens the monitor in one go', async () => {
  const { project, port } = await boardOnPort('solo');
  const keys = new PassThrough();
  let output = '';
  const running = runCli(['run', '--port', port], { cwd: project, serialBinding: VirtualBinding, stdin: keys, onStdout: (t) => (output += t) });
  await until(() => /\[mpy-iot\] INFO app/.test(output), 'the app banner on the monitor');
  assert.match(output, /built 1 device/);
  assert.match(output, /\[mpy-iot\] INFO app mpy-iot .* name=solo/);
  keys.write('\x1d');
  assert.equal((await running).code, 0);
});

test('monitor reconnects when the port goes away and comes back (a board unplugged and plugged in)', async () => {
  const { project, board, port } = await boardOnPort('plug');
  const keys = new PassThrough();
  let output = '';
  let notes = '';
  const running = runCli(['monitor', '--port', port], { cwd: project, serialBinding: VirtualBinding, stdin: keys, onStdout: (t) => (output += t), onStderr: (t) => (notes += t) });
  const connections = (): number => notes.split('connected to').length - 1;
  await until(() => connections() === 1, 'monitor connected');
  removeVirtualPort(port);
  await until(() => /disconnected; waiting/.test(notes), 'monitor saw the unplug');
  createVirtualPort(port, boardFarEnd(board));
  await until(() => connections() === 2, 'monitor connected again');
  keys.write('print("back again")\r');
  await until(() => /back again\r?\n/.test(output.replace(/print\("back again"\)/, '')), 'the answer after the reconnect');
  keys.write('\x1d');
  const run = await running;
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /disconnected; waiting for it to come back/);
  assert.match(output.replace(/print\("back again"\)/, ''), /back again/);
});
