// Benchmark: `mpy-iot flash` against the real esptool v5 `write-flash` of the same 1.5 MB
// firmware-like image into a virtual ESP32, on the same link: a pseudo-terminal paced at the baud
// the tool sets (10 bits per byte, both directions), with the virtual flash taking datasheet
// erase/program times. Both start from a board waiting in its ROM loader (a pty has no reset lines:
// esptool runs with --before/--after no-reset) and end with the image verified by MD5.
// Prints each tool's seconds, the bytes that crossed the link in each direction (counted at the
// board's end), the physical limits those bytes impose, and the ratio mpy-iot ÷ esptool (goal ≤ 1.0).
// Not a timed test.
//   node --import tsx bench/flash.ts [--baud 460800] [--size-kib 1536] [--runs 1]
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadBoards } from '../tools/boards/index.ts';
import { flashBoard } from '../tools/flash/flash.ts';
import { createVirtualLoader, type VirtualLoader } from '../tools/flash/loader/index.ts';
import { syntheticFirmware } from '../tools/flash/synthetic.ts';
import { uartBytesPerSecond } from '../tools/serial/index.ts';
import { exposeOnPty } from '../tools/sim/pty.ts';
import { countedFarEnd, type Wire } from './wire.ts';

const { values } = parseArgs({ options: { baud: { type: 'string', default: '460800' }, 'size-kib': { type: 'string', default: '1536' }, runs: { type: 'string', default: '1' } } });
const baud = Number(values.baud);
const runs = Math.max(1, Number(values.runs));
const image = syntheticFirmware(Number(values['size-kib']) * 1024, 42);
const board = loadBoards().find('esp32')!;
const offset = Number(board.flash.imageOffset);
const esptoolBin = path.resolve(import.meta.dirname, '../.interop/bin/esptool');
const dir = mkdtempSync(path.join(os.tmpdir(), 'mpy-iot-flash-bench-'));
const imageFile = path.join(dir, 'firmware.bin');
writeFileSync(imageFile, image);

interface Run {
  seconds: number;
  wire: Wire;
}

/** A fresh ESP32 waiting in its ROM loader on a paced pty; `wire` counts what crosses at the board's end. */
async function boardOnPty(): Promise<{ path: string; loader: VirtualLoader; wire: Wire; close(): void }> {
  const loader = createVirtualLoader({ chip: 'ESP32' });
  loader.reset('download');
  const { farEnd: counted, wire } = countedFarEnd(loader.farEnd);
  const pty = await exposeOnPty(counted);
  return { path: pty.path, loader, wire, close: () => (pty.close(), loader.dispose()) };
}

function assertWritten(loader: VirtualLoader, tool: string): void {
  if (!Buffer.from(loader.flash.subarray(offset, offset + image.length)).equals(Buffer.from(image))) throw new Error(`${tool}: the flash does not hold the image`);
}

async function esptoolRun(): Promise<Run> {
  const target = await boardOnPty();
  const started = performance.now();
  const args = ['--port', target.path, '--baud', String(baud), '--before', 'no-reset', '--after', 'no-reset', 'write-flash', `0x${offset.toString(16)}`, imageFile];
  await new Promise<void>((resolve, reject) => execFile(esptoolBin, args, (error, stdout, stderr) => (error ? reject(new Error(`esptool failed:\n${stdout}${stderr}`)) : resolve())));
  const seconds = (performance.now() - started) / 1000;
  assertWritten(target.loader, 'esptool');
  target.close();
  return { seconds, wire: target.wire };
}

async function mpyIotRun(): Promise<Run & { compressed: number; steps: string }> {
  const target = await boardOnPty();
  const started = performance.now();
  const stepStarted = new Map<string, number>();
  const result = await flashBoard({ path: target.path, board, image, baud, onProgress: (p) => void (stepStarted.has(p.step) || stepStarted.set(p.step, performance.now())) });
  const finished = performance.now();
  const seconds = (finished - started) / 1000;
  assertWritten(target.loader, 'mpy-iot');
  target.close();
  const marks = [...stepStarted.entries()];
  const steps = marks.map(([name, at], i) => `${name} ${(((marks[i + 1]?.[1] ?? finished) - at) / 1000).toFixed(2)}`).join(', ');
  return { seconds, wire: target.wire, compressed: result.compressedBytes, steps };
}

const perSecond = uartBytesPerSecond(baud);
const describe = (name: string, run: Run): string => {
  const busier = Math.max(run.wire.toBoard, run.wire.fromBoard) / perSecond;
  const both = (run.wire.toBoard + run.wire.fromBoard) / perSecond;
  return `${name.padEnd(8)} ${run.seconds.toFixed(2).padStart(6)} s   wire → board ${run.wire.toBoard} B, ← board ${run.wire.fromBoard} B   limit ${busier.toFixed(2)} s (busier direction) / ${both.toFixed(2)} s (both, half-duplex)   → ${(run.seconds / busier).toFixed(2)}× / ${(run.seconds / both).toFixed(2)}×`;
};

try {
  if (!existsSync(esptoolBin)) throw new Error(`the real esptool is not installed at ${esptoolBin} (../shared/interop/install.sh .interop/bin)`);
  console.log(`image: ${image.length} bytes of firmware-like data for ESP32 at 0x${offset.toString(16)}; link: pty paced at ${baud} baud = ${perSecond} B/s each way (10 bits/byte); flash: W25Q32JV typical erase/program times`);
  const ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    const esptool = await esptoolRun();
    const mpyIot = await mpyIotRun();
    console.log(describe('esptool', esptool));
    console.log(describe('mpy-iot', mpyIot));
    console.log(`  mpy-iot steps (s): ${mpyIot.steps}`);
    console.log(`  deflated image ${mpyIot.compressed} B → data alone needs ${(mpyIot.compressed / perSecond).toFixed(2)} s at this baud`);
    ratios.push(mpyIot.seconds / esptool.seconds);
    console.log(`  mpy-iot flash ÷ esptool write-flash: ${ratios.at(-1)!.toFixed(2)}× (goal ≤ 1.0×)`);
  }
  if (runs > 1) console.log(`median ratio over ${runs} runs: ${ratios.sort((a, b) => a - b)[Math.floor(runs / 2)]!.toFixed(2)}×`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
