// Benchmark: `mpy-iot deploy` against the real `mpremote fs cp` of the same lab build, on the same
// link: a virtual board served over RFC 2217 and paced at 115200 baud (10 bits per byte, both
// directions), which both tools reach through TCP as they would a serial port server. Prints
// seconds, the bytes that really crossed the link in each direction, the physical limit those
// bytes impose (the busier direction ÷ 11 520 B/s) and the ratio mpy-iot ÷ mpremote (goal ≤ 0.7).
// Not a timed test.
//   node --import tsx bench/deploy.ts [board, default esp32]
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadProject } from '../tools/config/index.ts';
import { ReplClient, type ReplTransport } from '../tools/repl/client.ts';
import { deploy } from '../tools/repl/deploy.ts';
import { buildProject } from '../tools/render/build.ts';
import { mpremote, mpremoteBin } from '../test/interop/mpremote.ts';
import { countedFarEnd, type Wire } from './wire.ts';
import { escapeData, serveRfc2217, TelnetParser } from '../tools/serial/rfc2217/index.ts';
import { startVirtualBoard } from '../tools/sim/board.ts';
import { boardFarEnd } from '../tools/sim/serialFarEnd.ts';

const BAUD = 115200;
const BYTES_PER_SECOND = BAUD / 10;

const dir = mkdtempSync(path.join(os.tmpdir(), 'mpy-iot-deploy-bench-'));
const projectFile = path.join(dir, 'mpy-iot.json');
writeFileSync(
  projectFile,
  JSON.stringify({
    defaults: { wifi: { ssid: 'lab', password: 'lab-password' }, mqtt: { url: 'mqtt://127.0.0.1:9' }, telemetry: { intervalSeconds: 10 } },
    devices: [{ name: 'team-1', board: process.argv[2] ?? 'esp32', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01', sensor: 'simulated' } }],
  }),
);
const [build] = await buildProject(loadProject({ project: dir, env: {} }));

/** A blank virtual board behind a paced RFC 2217 server; `wire` counts what crosses. */
async function pacedBoard(): Promise<{ url: string; wire: Wire; close(): Promise<void> }> {
  const board = await startVirtualBoard(build!.dir, { blank: true });
  const { farEnd: counted, wire } = countedFarEnd(boardFarEnd(board));
  const server = await serveRfc2217(counted, { pace: true, initialBaud: BAUD });
  // Let the board boot (its banner is not part of either transfer).
  await new Promise((r) => setTimeout(r, 1500));
  wire.toBoard = 0;
  wire.fromBoard = 0;
  return {
    url: server.url,
    wire,
    close: async () => {
      await server.close();
      await board.stop();
    },
  };
}

/** The raw REPL over RFC 2217 for mpy-iot's deploy (Telnet data bytes; the server keeps 115200). */
function rfc2217Transport(url: string): Promise<{ transport: ReplTransport; close(): void }> {
  const { hostname, port } = new URL(url.replace('rfc2217://', 'tcp://'));
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) }, () => {
      const parser = new TelnetParser();
      const listeners = new Set<(bytes: Uint8Array) => void>();
      socket.setNoDelay(true);
      socket.on('data', (chunk: Buffer) => {
        for (const event of parser.push(chunk)) if (event.type === 'data') for (const l of listeners) l(event.bytes);
      });
      resolve({
        transport: {
          write: (bytes) => void socket.write(escapeData(bytes)),
          subscribe: (listener) => {
            listeners.add(listener);
            return () => listeners.delete(listener);
          },
        },
        close: () => socket.destroy(),
      });
    });
    socket.once('error', reject);
  });
}

/** The real mpremote (test/interop's runner), failing loudly: a bench figure from a failed copy means nothing. */
async function mpremoteOk(url: string, args: string[], cwd: string): Promise<void> {
  const run = await mpremote(url, args, { cwd, timeoutMs: 600_000 });
  if (run.code !== 0) throw new Error(`mpremote failed: ${run.stdout}${run.stderr}`);
}

interface Run {
  seconds: number;
  wire: Wire;
}

const line = (label: string, run: Run): string => {
  const limit = Math.max(run.wire.toBoard, run.wire.fromBoard) / BYTES_PER_SECOND;
  return `${label.padEnd(30)} ${run.seconds.toFixed(2).padStart(7)} s  wire → board ${String(run.wire.toBoard).padStart(7)} B, ← board ${String(run.wire.fromBoard).padStart(6)} B  limit ${limit.toFixed(2).padStart(6)} s  ${(run.seconds / Math.max(limit, 0.001)).toFixed(2)}× the limit`;
};

const files = build!.manifest.files.map((f) => f.path);
console.log(`lab build for ${build!.board}: ${files.length} files, ${build!.totalBytes} B; link ${BAUD} baud (${BYTES_PER_SECOND} B/s each way), RFC 2217, paced`);

// mpy-iot deploy, cold (blank board), then warm with one setting changed and with nothing changed.
const ours = await pacedBoard();
const link = await rfc2217Transport(ours.url);
const repl = new ReplClient(link.transport, 120_000);
const timed = async (work: () => Promise<unknown>, wire: Wire): Promise<Run> => {
  const before = { ...wire };
  const started = performance.now();
  await work();
  return { seconds: (performance.now() - started) / 1000, wire: { toBoard: wire.toBoard - before.toBoard, fromBoard: wire.fromBoard - before.fromBoard } };
};
const cold = await timed(() => deploy(repl, build!.dir), ours.wire);
const json = JSON.parse(readFileSync(projectFile, 'utf8'));
json.defaults.telemetry.intervalSeconds = 5;
writeFileSync(projectFile, JSON.stringify(json));
await buildProject(loadProject({ project: dir, env: {} }));
const warm = await timed(() => deploy(repl, build!.dir), ours.wire);
const same = await timed(() => deploy(repl, build!.dir), ours.wire);
repl.close();
link.close();
await ours.close();
console.log(line('mpy-iot deploy, cold', cold));
console.log(line('mpy-iot deploy, config changed', warm));
console.log(line('mpy-iot deploy, nothing changed', same));

if (!existsSync(mpremoteBin)) {
  console.log(`mpremote not installed at ${mpremoteBin} (../shared/interop/install.sh .interop/bin): no comparison`);
} else {
  // The same files with the real mpremote onto another blank board over the same kind of link.
  const theirs = await pacedBoard();
  const top = [...new Set(files.map((f) => f.split('/')[0]!))];
  const copy = await timed(() => mpremoteOk(theirs.url, ['fs', 'cp', '-r', ...top, ':'], build!.dir), theirs.wire);
  await theirs.close();
  console.log(line('mpremote fs cp -r, cold', copy));
  console.log(`mpy-iot deploy ÷ mpremote fs cp (cold): ${(cold.seconds / copy.seconds).toFixed(2)}× (goal ≤ 0.7×)`);
}

rmSync(dir, { recursive: true, force: true });
process.exit(0);
