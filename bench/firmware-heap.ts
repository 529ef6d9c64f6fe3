// Benchmark: heap headroom of the device runtime on an ESP8266, under the board's enforced heap.
// Prints figures; not a test.
//   node --import tsx bench/firmware-heap.ts [seconds, default 20]
//
// Builds a lab project for an ESP8266 (the runtime shipped as .mpy, as `mpy-iot build` does) and
// runs it on a virtual ESP8266, whose GC heap is the profile's 38 KiB: more live data than that
// raises MemoryError there as on the board. The firmware reports `heap` (gc.mem_free()) in every
// payload; the run goes through connect, steady telemetry, commands (status, result), a RESULT and cut connections
// (reconnect, resubscribe), and prints the lowest free heap seen in each phase. gc.mem_free() counts
// garbage not yet collected, as on the board, so the lowest figures are pessimistic.
import path from 'node:path';
import mqtt from 'mqtt';
import { loadBoards } from '../tools/boards/index.ts';
import { startVirtualBoard } from '../tools/sim/board.ts';
import { readBuild } from '../tools/sim/buildImage.ts';
import { ReplClient } from '../tools/repl/client.ts';
import { boardTransport } from '../test/helpers/boardTransport.ts';
import { startAedes } from '../test/helpers/brokers.ts';
import { buildLab } from '../test/helpers/sim.ts';

const seconds = Number(process.argv[2] ?? 20);
const heapBytes = loadBoards().find('esp8266')!.heapBytes;
const broker = await startAedes();
const project = await buildLab({
  brokerUrl: broker.url,
  devices: [{ name: 'heap8266', board: 'esp8266', telemetry: { sensor: 'simulated', students: ['Иванов И.И', 'Петрова А.'], group: 'БАГ-18-01', extras: ['heap', 'seq', 'uptime'] } }],
  defaults: { telemetry: { intervalSeconds: 1 } },
});
const buildDir = path.join(project, 'build', 'heap8266');
const board = await startVirtualBoard(buildDir, { accessPoint: { ssid: 'lab-wifi', password: 'lab-password' } });
// Everything the board prints while the program runs: a MemoryError would show here.
const consoleLines: string[] = [];
const onLine = (line: { line: string }): void => {
  consoleLines.push(line.line);
};
board.on('console', onLine);

const phases: { name: string; heap: number[] }[] = [];
let phase = { name: 'connect and first payloads', heap: [] as number[] };
phases.push(phase);
let seen = 0;
const sample = (): void => {
  for (const p of broker.published.slice(seen)) {
    if (!p.topic.startsWith('DATA/')) continue;
    const heap = (JSON.parse(p.payload.toString('utf8')) as { heap?: number }).heap;
    if (typeof heap === 'number') phase.heap.push(heap);
  }
  seen = broker.published.length;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const next = (name: string): void => {
  sample();
  phase = { name, heap: [] };
  phases.push(phase);
};

await sleep(4000);
next('steady telemetry');
await sleep(seconds * 500);
next('after commands, a RESULT, a result command');
const client = await mqtt.connectAsync(broker.url);
await client.publishAsync('$devices/heap8266/commands', '{"id": "s", "cmd": "status"}');
await client.publishAsync('RESULT', '{"group": "БАГ-18-01", "message": "ok"}');
// The verdict as IoT Core projects send it: a `result` command (the same object as the RESULT above).
await client.publishAsync('$devices/heap8266/commands', JSON.stringify({ id: 'v', cmd: 'result', args: { group: 'БАГ-18-01', message: 'ok', passed: true, grade: 5 } }));
await client.endAsync();
await sleep(seconds * 250);
next('connections cut, reconnect, resubscribe');
board.cutConnections();
await sleep(seconds * 250);
sample();

// The program's own heap is gone once it is stopped: what the idle REPL has left, for reference.
board.off('console', onLine);
board.interrupt();
await sleep(300);
const repl = new ReplClient(boardTransport(board));
await repl.enterRaw();
const idleFree = Number((await repl.run('import gc\ngc.collect()\nprint(gc.mem_free())')).trim());
repl.close();
await board.stop();
await broker.stop();

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`.padStart(9);
const image = readBuild(buildDir);
console.log(`virtual ESP8266, enforced GC heap ${heapBytes} bytes (${kb(heapBytes).trim()}); firmware as shipped (${image.manifest.files.filter((f) => f.path.endsWith('.mpy')).length} .mpy modules)`);
console.log('lowest free heap reported by the firmware (gc.mem_free() in each payload):');
for (const p of phases) {
  const low = p.heap.length ? Math.min(...p.heap) : NaN;
  console.log(`  ${p.name.padEnd(44)} ${Number.isNaN(low) ? '      n/a' : kb(low)}  (${p.heap.length} payloads)`);
}
const all = phases.flatMap((p) => p.heap);
console.log(`headroom left on an ESP8266: ${kb(Math.min(...all)).trim()} of ${kb(heapBytes).trim()} at the lowest, ${kb(all.reduce((s, h) => s + h, 0) / all.length).trim()} on average`);
console.log(`idle REPL after stopping the program: ${kb(idleFree).trim()} free`);
const failure = consoleLines.findIndex((l) => /MemoryError|Traceback/.test(l));
console.log(failure >= 0 ? `the board failed:\n  ${consoleLines.slice(failure, failure + 8).join('\n  ')}` : `no MemoryError, no traceback in ${consoleLines.length} console lines`);
