// Benchmark: N virtual boards at 1 message/s each against the embedded broker (Aedes, in-process).
// Prints boards, delivered messages/s, CPU %, RSS per board and interval jitter. Not a timed test.
//   node --import tsx bench/fleet.ts [boards=100] [seconds=30]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Aedes } from 'aedes';
import { loadProject } from '../tools/config/index.ts';
import { buildProject } from '../tools/render/build.ts';
import { planFleet, startFleet } from '../tools/sim/fleet.ts';

const boards = Number(process.argv[2] ?? 100);
const seconds = Number(process.argv[3] ?? 30);
const warmupMs = 8000;

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
    telemetry: { intervalSeconds: 1, sensor: 'simulated', extras: ['seq'] },
  },
  devices: [{ name: 'board', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01' } }],
}));
const project = loadProject({ project: dir, env: {} });
await buildProject(project);

const rssBefore = process.memoryUsage().rss;
const started = Date.now();
const fleet = await startFleet(planFleet(project, { count: boards }));
console.log(`${boards} boards started in ${((Date.now() - started) / 1000).toFixed(1)} s; warming up ${warmupMs / 1000} s`);
await new Promise((r) => setTimeout(r, warmupMs));

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
const windowStart = Date.now();
const cpuStart = process.cpuUsage();
let rssPeak = 0;
const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 500);
await new Promise((r) => setTimeout(r, seconds * 1000));
clearInterval(sampler);
const windowEnd = Date.now();
const cpu = process.cpuUsage(cpuStart);

let delivered = 0;
const deviations: number[] = [];
for (const times of arrivals.values()) {
  const inWindow = times.filter((t) => t >= windowStart && t < windowEnd);
  delivered += inWindow.length;
  for (let i = 1; i < inWindow.length; i++) deviations.push(Math.abs(inWindow[i]! - inWindow[i - 1]! - 1000));
}
deviations.sort((a, b) => a - b);
const pct = (p: number): number => deviations[Math.min(deviations.length - 1, Math.floor((p / 100) * deviations.length))] ?? NaN;
const wallMs = windowEnd - windowStart;
const cpuPercent = ((cpu.user + cpu.system) / 1000 / wallMs) * 100;
const resetCauses = fleet.boards.flatMap((b) => b.resets.map((r) => r.cause));
const resets = resetCauses.length ? `${resetCauses.length}: ${[...new Set(resetCauses)].join(', ')}` : '0';

console.log(`boards publishing:      ${[...arrivals.keys()].length}/${boards} (resets: ${resets})`);
console.log(`delivered:              ${(delivered / (wallMs / 1000)).toFixed(1)} msg/s (expected ${boards})`);
console.log(`CPU:                    ${cpuPercent.toFixed(0)} % of one core (${os.cpus().length} cores)`);
console.log(`RSS per board:          ${((rssPeak - rssBefore) / boards / 1024 / 1024).toFixed(2)} MB (process peak ${(rssPeak / 1024 / 1024).toFixed(0)} MB; target <= 10 MB)`);
console.log(`host event loop delay:  p50 ${(loopDelay.percentile(50) / 1e6).toFixed(0)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(0)} ms, max ${(loopDelay.max / 1e6).toFixed(0)} ms`);
console.log(`interval jitter:        p50 ${pct(50)} ms, p99 ${pct(99)} ms (target p99 <= 200 ms)`);
console.log('firmware heap:          see bench/firmware-heap.ts (gc.mem_alloc of the runtime, measured in the same interpreter)');

await fleet.stop();
server.close();
broker.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
