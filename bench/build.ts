// Benchmark: build a 30-device classroom roster. Prints figures; not a timed test.
//   npm run bench:build
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadProject } from '../tools/config/index.ts';
import { buildProject } from '../tools/render/build.ts';

const boards = ['esp32', 'esp8266', 'esp32s3', 'esp32c3'];
const dir = mkdtempSync(path.join(os.tmpdir(), 'mpy-iot-bench-'));
try {
  writeFileSync(
    path.join(dir, 'mpy-iot.json'),
    JSON.stringify({
      defaults: { wifi: { ssid: 'lab', password: 'lab-password' }, mqtt: { url: 'mqtt://127.0.0.1:1883', qos: 1 }, telemetry: { sensor: 'simulated', extras: ['seq', 'uptime'] } },
      devices: Array.from({ length: 30 }, (_, i) => ({
        name: `team-${i + 1}`,
        board: boards[i % boards.length],
        telemetry: { students: [`Студент ${i} А.А`, `Student ${i} B.`], group: `БАГ-18-0${(i % 3) + 1}` },
      })),
    }),
  );
  const project = loadProject({ project: dir, env: {} });

  const cold = performance.now();
  const builds = await buildProject(project);
  const coldMs = performance.now() - cold;

  const warm = performance.now();
  await buildProject(project);
  const warmMs = performance.now() - warm;

  console.log(`roster: ${builds.length} devices (${boards.join(', ')})`);
  console.log(`first build (loads mpy-cross): ${(coldMs / 1000).toFixed(2)} s total, ${(coldMs / builds.length).toFixed(1)} ms/device`);
  console.log(`second build (same process):   ${(warmMs / 1000).toFixed(2)} s total, ${(warmMs / builds.length).toFixed(1)} ms/device  (target: 30 devices in <= 2 s)`);
  console.log('\nfirmware bytes per board (runtime modules + boot/main/config):');
  console.log('board     runtime .py  runtime .mpy  .mpy/.py  build total (default)');
  for (const board of boards) {
    const b = builds.find((x) => x.board === board)!;
    const [asMpy] = await buildProject(project, { devices: [b.device], mpy: true, outDir: path.join(dir, 'mpy') });
    const ratio = asMpy!.runtimeShippedBytes / asMpy!.runtimeSourceBytes;
    console.log(`${board.padEnd(9)} ${String(b.runtimeSourceBytes).padStart(11)}  ${String(asMpy!.runtimeShippedBytes).padStart(12)}  ${ratio.toFixed(2).padStart(8)}  ${String(b.totalBytes).padStart(10)} (${b.manifest.mpy ? '.mpy' : '.py'})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
