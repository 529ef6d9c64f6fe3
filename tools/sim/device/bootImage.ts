// What the ROM finds in flash at reset: an ESP image header (magic 0xE9, and for the ESP32 family
// the extended header's chip id), and inside a MicroPython image its banner text
// ("MicroPython v1.24.1 on 2024-11-29; …", a compile-time constant every build carries).
import type { ChipFacts } from '../../flash/loader/index.ts';
import type { FirmwareIdentity } from '../board.ts';
import { IMAGE_CHIP_IDS, IMAGE_MAGIC, imageChipId } from '../../flash/imageHeader.ts';

export type BootImage =
  /** No valid header: the ROM prints "invalid header" and resets, over and over. */
  | { kind: 'invalid'; headerWord: number }
  /** A valid image that is not MicroPython: it runs, but nothing here can simulate it. */
  | { kind: 'other' }
  | { kind: 'micropython'; firmware: FirmwareIdentity | undefined };

/** Where MicroPython's filesystem starts in a 4 MiB flash (its partition table / ESP8266 linker script). */
export function filesystemOffset(chip: ChipFacts['name']): number {
  return chip === 'ESP8266' ? 0x100000 : 0x200000;
}

const BANNER = /MicroPython (v\d+\.\d+(?:\.\d+)?(?:-[\w.+-]+)?) on (\d{4}-\d{2}-\d{2})/;
/** The app partition ends where the filesystem begins; the banner is looked for only before it. */
const MARKER = Buffer.from('MicroPython v', 'latin1');

export function inspectFlash(flash: Uint8Array, facts: ChipFacts): BootImage {
  const at = facts.bootloaderOffset;
  const view = Buffer.from(flash.buffer, flash.byteOffset, flash.byteLength);
  const headerWord = view.readUInt32LE(at);
  const chipId = IMAGE_CHIP_IDS[facts.name];
  if (view[at] !== IMAGE_MAGIC || (chipId !== undefined && imageChipId(view, at) !== chipId)) return { kind: 'invalid', headerWord };
  const end = Math.min(view.length, filesystemOffset(facts.name));
  const found = view.subarray(0, end).indexOf(MARKER, at);
  if (found < 0) return { kind: 'other' };
  const match = BANNER.exec(view.subarray(found, found + 64).toString('latin1'));
  return { kind: 'micropython', firmware: match ? { version: match[1]!, date: match[2]! } : undefined };
}

/**
 * What a board "shipped with MicroPython" holds at the image offset: a valid header for the chip
 * and the banner of the interpreter the simulator runs, so flash contents and the running app agree.
 */
export function preinstalledImage(facts: ChipFacts, firmware: FirmwareIdentity = { version: 'v1.27.0', date: '2026-01-01' }): Uint8Array {
  const image = new Uint8Array(0x1000).fill(0xff);
  const view = new DataView(image.buffer);
  image.set([IMAGE_MAGIC, 0x03, 0x02, 0x20]); // magic, 3 segments, DIO, 4 MB / 40 MHz
  view.setUint32(4, facts.name === 'ESP8266' ? 0x40100004 : 0x40080400, true); // entry point
  view.setUint16(12, IMAGE_CHIP_IDS[facts.name] ?? 0, true);
  image.set(new TextEncoder().encode(`MicroPython ${firmware.version} on ${firmware.date}; ${facts.name} module with ${facts.name}\0`), 0x100);
  return image;
}
