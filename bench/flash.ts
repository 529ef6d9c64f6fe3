// Benchmark: flash a 1.5 MB firmware-like image into a virtual ESP32 ROM loader over the virtual
// serial link paced like a real UART at 460800 baud (8N1: 46 080 bytes/s). Prints figures.
//   node --import tsx bench/flash.ts [--chip ESP32|ESP8266] [--baud 460800] [--size-kib 1536]
import { parseArgs } from 'node:util';
import { loadBoards } from '../tools/boards/index.ts';
import { flashBoard, type FlashStepName } from '../tools/flash/flash.ts';
import { createVirtualLoader, type VirtualLoaderOptions } from '../tools/flash/loader/index.ts';
import { syntheticFirmware } from '../tools/flash/synthetic.ts';
import { createVirtualPort, removeVirtualPort, uartBytesPerSecond, VirtualBinding } from '../tools/serial/index.ts';

const { values } = parseArgs({ options: { chip: { type: 'string', default: 'ESP32' }, baud: { type: 'string', default: '460800' }, 'size-kib': { type: 'string', default: '1536' } } });
const chip = values.chip as VirtualLoaderOptions['chip'];
const baud = Number(values.baud);
const image = syntheticFirmware(Number(values['size-kib']) * 1024, 42);
const board = loadBoards().boards.find((b) => b.chip === chip);
if (!board) throw new Error(`no board profile for ${chip}`);

const loader = createVirtualLoader({ chip });
const path = '/dev/ttyBENCH0';
createVirtualPort(path, loader.farEnd, { throttle: true, vendorId: '10c4', productId: 'ea60' });
const stepStarted = new Map<FlashStepName, number>();
try {
  const result = await flashBoard({
    path,
    binding: VirtualBinding,
    board,
    image,
    baud,
    onProgress: (p) => {
      if (!stepStarted.has(p.step)) stepStarted.set(p.step, performance.now());
    },
  });
  const finished = performance.now();
  const perSecond = uartBytesPerSecond(baud);
  const limit = result.compressedBytes / perSecond;
  const steps = [...stepStarted.entries()];
  const stepTimes = steps.map(([name, at], i) => `${name} ${(((steps[i + 1]?.[1] ?? finished) - at) / 1000).toFixed(2)} s`);
  console.log(`image: ${image.length} bytes (${chip} at 0x${board.flash.imageOffset.slice(2)}), deflated to ${result.compressedBytes} (${((100 * result.compressedBytes) / image.length).toFixed(1)} %)`);
  console.log(`link: virtual, throttled at ${baud} baud = ${perSecond} B/s; transfer ran at ${result.baud} baud`);
  console.log(`bytes on the wire: ${result.wireBytes} (both directions, SLIP and protocol included; ${((result.wireBytes / result.compressedBytes - 1) * 100).toFixed(1)} % over the deflated data)`);
  console.log(`physical limit (deflated bytes ÷ ${perSecond} B/s): ${limit.toFixed(2)} s`);
  console.log(`write step: ${result.writeSeconds.toFixed(2)} s → ${(result.writeSeconds / limit).toFixed(2)}× the limit (target ≤ 1.2×)`);
  console.log(`whole flash: ${result.seconds.toFixed(2)} s → ${(result.seconds / limit).toFixed(2)}× (adds reset, stub upload at 115200, baud switch, MD5, hard reset)`);
  console.log(`steps: ${stepTimes.join(', ')}`);
  console.log(`md5 ${result.md5} verified by the board; flash matches image: ${Buffer.from(loader.flash.subarray(Number(board.flash.imageOffset), Number(board.flash.imageOffset) + image.length)).equals(Buffer.from(image))}`);
} finally {
  removeVirtualPort(path);
  loader.dispose();
}
