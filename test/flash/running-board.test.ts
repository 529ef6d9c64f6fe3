// `mpy-iot flash` on a board that is running MicroPython, as on a desk: the reset lines take it
// into its ROM loader (the app stops), the image is written and verified, the hard reset boots
// the new image — same device, same MAC — and the board runs the version that image carries.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { syntheticFirmware } from '../../tools/flash/synthetic.ts';
import { createVirtualPort, removeVirtualPort, VirtualBinding } from '../../tools/serial/index.ts';
import { boardDevice } from '../../tools/sim/serialFarEnd.ts';
import { runCli, tempDir } from '../helpers/cli.ts';
import { bootBoard, buildLab } from '../helpers/sim.ts';

test('flash a running ESP32 (chip detected, no --board): reset into the loader, write, verify, hard reset into the new MicroPython', async () => {
  const project = await buildLab({ brokerUrl: 'mqtt://127.0.0.1:9', devices: [{ name: 'desk', board: 'esp32', telemetry: { students: ['A'], group: 'G' } }] });
  const board = await bootBoard(project, 'desk');
  const device = boardDevice(board);
  const port = `/dev/ttyRUN${process.pid}`;
  createVirtualPort(port, device.port(), { vendorId: '10c4', productId: 'ea60' });
  after(async () => {
    removeVirtualPort(port);
    device.dispose();
    await board.stop();
  });
  await board.waitForLine(/INFO app .*boot=power_on/, 30_000);

  // A MicroPython build carries its banner text; this image says v1.24.1.
  const image = Buffer.from(syntheticFirmware(256 * 1024, 5, 'ESP32', { text: { at: 0x8000, text: 'MicroPython v1.24.1 on 2024-11-29; Generic ESP32 module with ESP32\0' } }));
  writeFileSync(path.join(project, 'fw.bin'), image);
  // Outside the project and without --board: flash asks the chip (the board's ROM loader) which it is.
  const run = await runCli(['flash', '--port', port, '--image', path.join(project, 'fw.bin'), '--baud', '921600', '--json'], { cwd: tempDir(), serialBinding: VirtualBinding });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const result = run.json<{ ports: { mac: string; restarted: boolean; chip: string; board: string; detected: boolean }[] }>().ports[0]!;
  assert.deepEqual([result.chip, result.board, result.detected], ['ESP32', 'esp32', true]);
  assert.equal(result.restarted, true);
  assert.equal(result.mac.replaceAll(':', ''), board.mac.replaceAll(':', ''), "the ROM reports the running board's MAC");
  assert.ok(Buffer.from(device.loader.flash.subarray(0x1000, 0x1000 + image.length)).equals(image));

  // The hard reset booted the new image: its files are kept (no --erase), main.py runs again.
  await board.waitForLine(/INFO app .*boot=power_on/, 20_000); // the EN pin reads as power-on on an ESP32
  assert.deepEqual(device.lastBoot, { kind: 'micropython', firmware: { version: 'v1.24.1', date: '2024-11-29' } });
  assert.ok(board.resets.some((r) => r.cause === 'hard'));
});
