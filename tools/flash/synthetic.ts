// Firmware-like images for tests, benchmarks and demos, structurally valid as the flasher checks
// them (imageCheck.ts): an ESP image whose segment data is 4 KiB blocks of random bytes (machine
// code compresses poorly), text-like blocks (strings, tables) and 0xFF padding, in proportions that
// deflate about as well as a MicroPython build (to ~65 %); and whole MicroPython release layouts.
// Deterministic for a given seed, so failures reproduce.
import { createHash } from 'node:crypto';
import { buildImage, IMAGE_CHIP_IDS, imageFamilyOf, type ImageFamily } from './imageHeader.ts';

function content(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let state = seed >>> 0 || 1;
  const next = (): number => {
    // xorshift32
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  const words = new TextEncoder().encode('machine network socket mqtt publish subscribe wifi connect timeout esp32 esp8266 gc collect utime ticks_ms ujson dumps loads ');
  for (let block = 0; block * 4096 < size; block++) {
    const start = block * 4096;
    const end = Math.min(size, start + 4096);
    const kind = next() % 20;
    if (kind < 12) for (let i = start; i < end; i++) bytes[i] = next() & 0xff;
    else if (kind < 17) for (let i = start, w = next() % words.length; i < end; i++, w = (w + 1 + (next() % 8 === 0 ? next() % 16 : 0)) % words.length) bytes[i] = words[w]!;
    else bytes.fill(0xff, start, end);
  }
  return bytes;
}

const familyAndId = (chip: number | string): { family: ImageFamily; chipId: number } =>
  typeof chip === 'number' ? { family: 'esp32', chipId: chip } : { family: imageFamilyOf(chip), chipId: IMAGE_CHIP_IDS[chip] ?? 0 };

export interface SyntheticOptions {
  /** Text placed in the segment data at this file offset (e.g. a MicroPython banner the virtual board reads). */
  text?: { at: number; text: string };
}

/**
 * One image of exactly `size` bytes (rounded up to 16) with one segment, for `chip`: a chip name
 * ('ESP32', 'ESP8266', 'ESP32-S3'…) or an ESP32-family image chip id (ESP32 0, C3 5, S3 9).
 */
export function syntheticFirmware(size: number, seed = 1, chip: number | string = 0, options: SyntheticOptions = {}): Uint8Array {
  const { family, chipId } = familyAndId(chip);
  const total = Math.max(64, Math.ceil(size / 16) * 16);
  const header = family === 'esp32' ? 24 : 8;
  // header + segment header + data + checksum (+ SHA-256) with no padding needed: data fills the rest.
  const data = content(total - header - 8 - 1 - (family === 'esp32' ? 32 : 0), seed);
  if (options.text) data.set(new TextEncoder().encode(options.text.text), options.text.at - header - 8);
  return buildImage({ family, chipId, entry: family === 'esp32' ? 0x40080400 : 0x40100004, segments: [{ loadAddress: family === 'esp32' ? 0x3f400020 : 0x40100000, data }] });
}

/** Where the chip's release .bin is written (and so where its file offsets start). */
export const releaseOffset = (chip: string): number => (chip === 'ESP32' || chip === 'ESP32-S2' ? 0x1000 : 0);

/**
 * A MicroPython release .bin as micropython.org ships it for `chip`, with an app (or irom0.text)
 * of `appSize` bytes: bootloader + partition table + app (ESP32 family), or makeimg.py's combined
 * image (ESP8266).
 */
export function syntheticRelease(chip: string, appSize = 64 * 1024, seed = 1): Uint8Array {
  const { family, chipId } = familyAndId(chip);
  if (family === 'esp8266') {
    const boot = buildImage({ family, entry: 0x40100004, segments: [{ loadAddress: 0x40100000, data: content(24 * 1024, seed + 1) }, { loadAddress: 0x3ffe8000, data: content(2 * 1024, seed + 2) }] });
    const irom = content(appSize, seed);
    const file = new Uint8Array(0x9000 + irom.length + 16).fill(0xff);
    file.set(boot);
    new DataView(file.buffer).setUint32(0x9000 - 4, 0x9000 + irom.length, true);
    file.set(irom, 0x9000);
    file.set(createHash('md5').update(file.subarray(4, 0x9000 + irom.length)).digest(), 0x9000 + irom.length);
    return file;
  }
  const offset = releaseOffset(chip);
  const boot = buildImage({ family, chipId, entry: 0x40080600, segments: [{ loadAddress: 0x3fff0030, data: content(8 * 1024, seed + 1) }, { loadAddress: 0x40078000, data: content(12 * 1024, seed + 2) }] });
  const app = syntheticFirmware(appSize, seed, chipId);
  const file = new Uint8Array(0x10000 - offset + app.length).fill(0xff);
  file.set(boot);
  file.set(partitionTable(), 0x8000 - offset);
  file.set(app, 0x10000 - offset);
  return file;
}

/** MicroPython's ESP32 partitions (nvs, phy_init, factory app at 0x10000, vfs), with the MD5 entry. */
function partitionTable(): Uint8Array {
  const rows: [number, number, number, number, string][] = [
    [1, 2, 0x9000, 0x6000, 'nvs'],
    [1, 1, 0xf000, 0x1000, 'phy_init'],
    [0, 0, 0x10000, 0x1f0000, 'factory'],
    [1, 0x81, 0x200000, 0x200000, 'vfs'],
  ];
  const table = new Uint8Array(0xc00).fill(0xff);
  const view = new DataView(table.buffer);
  rows.forEach(([type, subtype, at, size, label], i) => {
    const row = i * 32;
    table.set([0xaa, 0x50, type, subtype], row);
    view.setUint32(row + 4, at, true);
    view.setUint32(row + 8, size, true);
    table.fill(0, row + 12, row + 28);
    table.set(new TextEncoder().encode(label), row + 12);
    view.setUint32(row + 28, 0, true);
  });
  const md5At = rows.length * 32;
  table.set([0xeb, 0xeb], md5At);
  table.set(createHash('md5').update(table.subarray(0, md5At)).digest(), md5At + 16);
  return table;
}
