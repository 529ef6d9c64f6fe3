// Benchmark: deploy the lab build over a virtual serial link throttled to 115200 baud, cold (blank
// board) and warm (one file changed). Prints seconds, bytes on the wire and the ratio to the
// physical limit (file bytes ÷ 11 520 B/s). Not a timed test.
//   node --import tsx bench/deploy.ts
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadProject } from '../tools/config/index.ts';
import { ReplClient } from '../tools/repl/client.ts';
import { deploy } from '../tools/repl/deploy.ts';
import { linkTransport } from '../tools/repl/linkTransport.ts';
import { buildProject } from '../tools/render/build.ts';
import { createVirtualPort, openSerialLink, removeVirtualPort, VirtualBinding } from '../tools/serial/index.ts';
import { startVirtualBoard } from '../tools/sim/board.ts';
import { boardFarEnd } from '../tools/sim/serialFarEnd.ts';

const BAUD = 115200;
const LIMIT = BAUD / 10;
const dir = mkdtempSync(path.join(os.tmpdir(), 'mpy-iot-deploy-bench-'));
const projectFile = path.join(dir, 'mpy-iot.json');
const project = {
  defaults: { wifi: { ssid: 'lab', password: 'lab-password' }, mqtt: { url: 'mqtt://127.0.0.1:9' }, telemetry: { intervalSeconds: 10 } },
  devices: [{ name: 'team-1', board: process.argv[2] ?? 'esp32', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01', sensor: 'simulated' } }],
};
writeFileSync(projectFile, JSON.stringify(project));
const [build] = await buildProject(loadProject({ project: dir, env: {} }));
const board = await startVirtualBoard(build!.dir, { blank: true });
const port = '/dev/ttyBENCH0';
createVirtualPort(port, boardFarEnd(board), { throttle: true });
const link = await openSerialLink(port, { baudRate: BAUD, binding: VirtualBinding });
const repl = new ReplClient(linkTransport(link), 60_000);

const report = (label: string, r: Awaited<ReturnType<typeof deploy>>): void => {
  const physical = r.fileBytes / LIMIT;
  console.log(`${label.padEnd(22)} ${r.seconds.toFixed(2).padStart(6)} s  files ${String(r.uploaded.length).padStart(2)}  file bytes ${String(r.fileBytes).padStart(6)}  wire ${String(r.wireBytes).padStart(6)} B (${r.encoding})  limit ${physical.toFixed(2)} s  ratio ${(r.seconds / Math.max(physical, 0.001)).toFixed(2)}x`);
};

console.log(`lab build for ${build!.board}: ${build!.manifest.files.length} files, ${build!.totalBytes} B; link ${BAUD} baud (${LIMIT} B/s)`);
report('cold (blank board)', await deploy(repl, build!.dir));
const json = JSON.parse(readFileSync(projectFile, 'utf8'));
json.defaults.telemetry.intervalSeconds = 5;
writeFileSync(projectFile, JSON.stringify(json));
await buildProject(loadProject({ project: dir, env: {} }));
report('warm (config changed)', await deploy(repl, build!.dir));
report('warm (nothing changed)', await deploy(repl, build!.dir));

repl.close();
await link.close();
removeVirtualPort(port);
await board.stop();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
