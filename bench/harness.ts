// Benchmark (prints figures; not a test): validated messages/s of the harness watcher against
// mosquitto_sub (no validation) on the same mosquitto broker and the same flood of lab payloads.
//
//   node --import tsx bench/harness.ts [--messages 50000] [--boards 10] [--rounds 3]
//
// One mosquitto on a free 127.0.0.1 port; per round, the watcher and then mosquitto_sub each get a
// fresh flood of N QoS 0 payloads from a publisher in a child process (so it does not share the
// watcher's event loop). Rates run from the first to the last message received. The subscriber
// is known to be subscribed from the broker's own subscribe log line, not from a sleep.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { startWatch, TelemetryTracker } from '../tools/harness/index.ts';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('messages', 50_000);
const BOARDS = arg('boards', 10);
const ROUNDS = arg('rounds', 3);
const self = fileURLToPath(import.meta.url);

function payloads(count: number, boards: number): { topic: string; payload: Buffer }[] {
  const out: { topic: string; payload: Buffer }[] = [];
  for (let i = 0; i < count; i++) {
    const board = i % boards;
    const body = `{"temperature": ${(20 + (i % 50) / 10).toFixed(1)}, "students": ["Иванов И.И", "Петрова А.С"], "group": "БАГ-18-0${board % 10}", "seq": ${Math.floor(i / boards)}, "uptime": ${i}, "rssi": -61, "heap": 21344}`;
    out.push({ topic: `DATA/240ac4${board.toString(16).padStart(6, '0')}`, payload: Buffer.from(body, 'utf8') });
  }
  return out;
}

// Child mode: flood the broker, then exit.
if (process.argv.includes('--publish')) {
  const port = arg('publish', 0);
  const messages = payloads(N, BOARDS);
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: 'bench-pub', reconnectPeriod: 0 });
  client.on('connect', async () => {
    for (const m of messages) client.publish(m.topic, m.payload, { qos: 0 });
    await client.endAsync();
    process.exit(0);
  });
} else {
  await main();
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function publish(port: number): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv, self, '--publish', String(port), '--messages', String(N), '--boards', String(BOARDS)], { stdio: ['ignore', 'ignore', 'inherit'] });
  return new Promise((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`publisher exited with ${code}`)))));
}

/** Resolves when mosquitto logs that `clientId` subscribed (log_type subscribe; stderr is unbuffered). */
function subscribed(broker: ChildProcess, clientId: string): Promise<void> {
  return new Promise((resolve) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      if (seen.includes(`${clientId} 0 `) || seen.includes(`${clientId} 1 `)) {
        broker.stderr?.off('data', onData);
        resolve();
      }
    };
    broker.stderr?.on('data', onData);
  });
}

async function runWatcher(port: number, broker: ChildProcess): Promise<{ rate: number; received: number; valid: number }> {
  const clientId = `bench-watch-${Math.random().toString(16).slice(2, 8)}`;
  const ready = subscribed(broker, clientId);
  const watch = startWatch({ url: `mqtt://127.0.0.1:${port}`, topics: ['DATA/+'], qos: 0, mqttOptions: { clientId } });
  await ready;
  await publish(port);
  const deadline = Date.now() + 30_000;
  while (watch.snapshot().totals.messages < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const { totals } = await watch.stop();
  const seconds = ((totals.lastMessageAt ?? 0) - (totals.firstMessageAt ?? 0)) / 1000;
  return { rate: (totals.messages - 1) / seconds, received: totals.messages, valid: totals.valid };
}

async function runMosquittoSub(port: number, broker: ChildProcess, dir: string): Promise<{ rate: number; received: number }> {
  const clientId = `bench-sub-${Math.random().toString(16).slice(2, 8)}`;
  const ready = subscribed(broker, clientId);
  // Its receive timestamps go straight to a file: reading a pipe here would steal CPU from it.
  const file = path.join(dir, `${clientId}.out`);
  const fd = openSync(file, 'w');
  const sub = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-t', '#', '-C', String(N), '-W', '30', '-F', '%U', '-i', clientId], { stdio: ['ignore', fd, 'inherit'] });
  closeSync(fd);
  const exited = new Promise((resolve) => sub.once('exit', resolve));
  await ready;
  await publish(port);
  await exited;
  const stamps = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map(Number);
  const seconds = (stamps.at(-1)! - stamps[0]!);
  return { rate: (stamps.length - 1) / seconds, received: stamps.length };
}

function trackerAlone(): number {
  const tracker = new TelemetryTracker({ topics: ['DATA/+'] });
  const messages = payloads(N, BOARDS);
  const t0 = performance.now();
  for (let i = 0; i < messages.length; i++) tracker.ingest(messages[i]!.topic, messages[i]!.payload, i);
  const rate = N / ((performance.now() - t0) / 1000);
  if (tracker.snapshot().totals.valid !== N) throw new Error('bench payloads must all be valid');
  return rate;
}

async function main(): Promise<void> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mpy-iot-bench-'));
  const conf = path.join(dir, 'mosquitto.conf');
  // No queue limits: a slow subscriber must not lose QoS 0 messages, or the rates compare different work.
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nmax_queued_bytes 0\nlog_dest stderr\nlog_type subscribe\n`);
  const broker = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => net.connect(port, '127.0.0.1').once('connect', function (this: net.Socket) {
        this.destroy();
        resolve(true);
      }).once('error', () => resolve(false)));
      if (up) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    console.log(`mosquitto on 127.0.0.1:${port} (pid ${broker.pid}); ${N} lab payloads (${payloads(1, 1)[0]!.payload.length} B) from ${BOARDS} boards, QoS 0, ${ROUNDS} rounds`);
    console.log(`tracker alone (validate + stats, no network): ${Math.round(trackerAlone()).toLocaleString('en')} msg/s`);
    const watcher: number[] = [];
    const sub: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const w = await runWatcher(port, broker);
      const s = await runMosquittoSub(port, broker, dir);
      watcher.push(w.rate);
      sub.push(s.rate);
      console.log(`round ${round}: watcher ${Math.round(w.rate).toLocaleString('en')} validated msg/s (${w.received}/${N} received, ${w.valid} valid) | mosquitto_sub ${Math.round(s.rate).toLocaleString('en')} msg/s (${s.received}/${N})`);
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const w = median(watcher);
    const s = median(sub);
    console.log(`median: watcher ${Math.round(w).toLocaleString('en')} validated msg/s, mosquitto_sub ${Math.round(s).toLocaleString('en')} msg/s, ratio ${(w / s).toFixed(2)}x`);
    console.log(`targets: >= 30,000 validated msg/s ${w >= 30_000 ? 'MET' : 'MISSED'}; >= 0.8x mosquitto_sub ${w / s >= 0.8 ? 'MET' : 'MISSED'}`);
  } finally {
    broker.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
