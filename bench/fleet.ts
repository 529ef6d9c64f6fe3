// Benchmark: N virtual boards publishing every `interval` seconds against the embedded broker
// (Aedes, in-process). Prints delivered messages/s, CPU, RSS per board, the host's event-loop delay
// (net of its sampling interval), interval jitter, and the resets and host stalls of the measured
// window, each against its target. Not a timed test.
//   node --import tsx bench/fleet.ts [boards=100] [seconds=30] [interval=1] [busy=0]
// busy=N: N child processes spin on the CPU the whole time (a busy CI machine; the boards must not
// be reset for it: their watchdog counts only the time they could run).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Aedes } from 'aedes';
import { loadProject } from '../tools/config/index.ts';
import { buildProject } from '../tools/render/build.ts';
import { planFleet, startFleet } from '../tools/sim/fleet.ts';

const arg = (name: string, fallback: number): number => {
  const given = process.argv.slice(2).find((a) => a.startsWith(`${name}=`));
  const value = given === undefined ? fallback : Number(given.slice(name.length + 1));
  if (!Number.isFinite(value) || value < 0) throw new Error(`bench/fleet.ts: ${name}=${given?.slice(name.length + 1)} is not a number`);
  return value;
};
const boards = arg('boards', 100);
const seconds = arg('seconds', 30);
const intervalS = arg('interval', 1);
const busy = arg('busy', 0);
const intervalMs = intervalS * 1000;
/** The window starts once every board has published (booting 300 boards on 2 cores takes minutes), then one more interval. */
const maxWarmupMs = 300_000;
/** The loop-delay histogram records the time between its timer's runs: its resolution is not delay. */
const LOOP_RESOLUTION_MS = 10;
const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');

const broker = await Aedes.createBroker();
const arrivals = new Map<string, number[]>();
broker.on('publish', (packet, client) => {
  if (!client || !packet.topic.startsWith('DATA/')) return;
  const list = arrivals.get(packet.topic) ?? [];
  list.push(Date.now());
  arrivals.set(packet.topic, list);
});
const server = net.createServer(broker.handle);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as net.AddressInfo).port;

const dir = mkdtempSync(path.join(os.tmpdir(), 'mpy-iot-fleet-'));
writeFileSync(path.join(dir, 'mpy-iot.json'), JSON.stringify({
  defaults: {
    board: 'esp8266',
    wifi: { ssid: 'lab', password: 'lab-password' },
    mqtt: { url: `mqtt://127.0.0.1:${port}`, qos: 0 },
    telemetry: { intervalSeconds: intervalS, sensor: 'simulated', extras: ['seq'] },
  },
  devices: [{ name: 'board', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01' } }],
}));
const project = loadProject({ project: dir, env: {} });
await buildProject(project);

console.log(`load average before: ${load()} (${os.cpus().length} cores)`);
const spinners: ChildProcess[] = Array.from({ length: busy }, () => spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }));
const stopSpinners = (): void => {
  for (const spinner of spinners) if (spinner.exitCode === null && spinner.signalCode === null) spinner.kill('SIGKILL');
};
// The spinners never outlive the bench: killed at the window's end, on a throw (finally), and on any
// exit — Ctrl-C and SIGTERM included (Node's default for them ends the process without 'exit').
process.on('exit', stopSpinners);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
try {
  const rssBefore = process.memoryUsage().rss;
  const started = Date.now();
  const expiries: Record<string, unknown>[] = [];
  const fleet = await startFleet(planFleet(project, { count: boards }), {}, (board) => board.on('watchdog-expired', (e: Record<string, unknown>) => expiries.push({ board: board.name, at: Date.now(), ...e })));
  console.log(`${boards} boards (esp8266, every ${intervalS} s${busy ? `, ${busy} spinning processes competing for the cores` : ''}) started in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  while (arrivals.size < boards && Date.now() - started < maxWarmupMs) await new Promise((r) => setTimeout(r, 500));
  console.log(`${arrivals.size}/${boards} boards published within ${((Date.now() - started) / 1000).toFixed(1)} s of the start; one more interval, then the window`);
  await new Promise((r) => setTimeout(r, Math.max(2000, intervalMs)));

  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loopDelay.enable();
  const windowStart = Date.now();
  const cpuStart = process.cpuUsage();
  let rssPeak = 0;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 500);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  clearInterval(sampler);
  loopDelay.disable();
  const windowEnd = Date.now();
  const cpu = process.cpuUsage(cpuStart);
  const rssSteady = process.memoryUsage().rss;
  const loadDuring = load();
  stopSpinners(); // before the figures are worked out and the fleet stopped: they need the cores

  const inWindow = (at: number): boolean => at >= windowStart && at < windowEnd;
  let delivered = 0;
  const deviations: number[] = [];
  for (const times of arrivals.values()) {
    const seen = times.filter(inWindow);
    delivered += seen.length;
    for (let i = 1; i < seen.length; i++) deviations.push(Math.abs(seen[i]! - seen[i - 1]! - intervalMs));
  }
  deviations.sort((a, b) => a - b);
  const pct = (p: number): number => deviations[Math.min(deviations.length - 1, Math.floor((p / 100) * deviations.length))] ?? NaN;
  const wallMs = windowEnd - windowStart;
  const cpuPercent = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
  const resets = fleet.boards.flatMap((b) => b.resets.filter((r) => inWindow(r.at)).map((r) => r.cause));
  const resetsBefore = fleet.boards.flatMap((b) => b.resets.filter((r) => r.at < windowStart).map((r) => r.cause));
  const stalls = fleet.boards.flatMap((b) => b.hostStalls.filter((s) => inWindow(s.at)));
  const netMs = (ns: number): number => Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
  const rssPerBoard = (rssPeak - rssBefore) / boards / 1024 / 1024;
  const rssSteadyPerBoard = (rssSteady - rssBefore) / boards / 1024 / 1024;

  console.log(`window:                 ${(wallMs / 1000).toFixed(0)} s; load average during: ${loadDuring}`);
  console.log(`boards publishing:      ${[...arrivals.keys()].length}/${boards}`);
  console.log(`resets in the window:   ${resets.length}${resets.length ? ` (${[...new Set(resets)].join(', ')})` : ''} (target 0; ${resetsBefore.length} before it, while booting${resetsBefore.length ? `: ${[...new Set(resetsBefore)].join(', ')}` : ''})`);
  for (const e of expiries.slice(0, 3)) console.log(`  watchdog expired:     ${JSON.stringify(e)}`);
  console.log(`host stalls in window:  ${stalls.length} (${stalls.reduce((n, s) => n + s.ms, 0)} ms not run; not counted by the watchdogs)`);
  console.log(`delivered:              ${(delivered / (wallMs / 1000)).toFixed(1)} msg/s (expected ${(boards / intervalS).toFixed(1)}: ${((delivered / (wallMs / 1000) / (boards / intervalS)) * 100).toFixed(0)} %)`);
  console.log(`CPU:                    ${cpuPercent.toFixed(0)} % of one core (${os.cpus().length} cores)`);
  console.log(`RSS per board:          ${rssPerBoard.toFixed(2)} MB at the window's peak, ${rssSteadyPerBoard.toFixed(2)} MB at its end (process peak ${(rssPeak / 1024 / 1024).toFixed(0)} MB; target <= 10 MB: ${((rssPerBoard / 10) * 100).toFixed(0)} %)`);
  console.log(`host event loop delay:  p50 ${netMs(loopDelay.percentile(50)).toFixed(0)} ms, p99 ${netMs(loopDelay.percentile(99)).toFixed(0)} ms, max ${netMs(loopDelay.max).toFixed(0)} ms (net of its ${LOOP_RESOLUTION_MS} ms sampling interval)`);
  console.log(`interval jitter:        p50 ${pct(50)} ms, p99 ${pct(99)} ms (target p99 <= 200 ms)`);
  console.log('firmware heap:          see bench/firmware-heap.ts (gc.mem_alloc of the runtime, measured in the same interpreter)');

  await fleet.stop();
  server.close();
  broker.close();
  rmSync(dir, { recursive: true, force: true });
} finally {
  stopSpinners();
}
process.exit(0);
