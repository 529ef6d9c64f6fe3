// The ESP firmware image format, as the ROM reads it: the one place that knows its magic byte, the
// chip ids of the ESP32 family's extended header, the segment table, the XOR checksum and the
// appended SHA-256 (the flasher checks images with it; the virtual board decides what boots with it).
// Layout (esptool docs, "Firmware Image Format"): 8-byte header (magic 0xE9, segment count, flash
// mode, size/frequency, entry point); ESP32 family only: a 16-byte extended header (chip id at
// bytes 12-13, hash_appended at byte 23); then segments (load address, length, data); then zero
// padding up to one byte before a 16-byte boundary and the checksum byte (0xEF XOR every segment
// data byte); then, when hash_appended is 1, the SHA-256 of everything from byte 0 to the checksum.
import { createHash } from 'node:crypto';

/** Byte 0 of every image the ROM will boot. */
export const IMAGE_MAGIC = 0xe9;

/** The extended header's chip id (bytes 12-13, little-endian) by chip; ESP8266 images have none. */
export const IMAGE_CHIP_IDS: Readonly<Record<string, number>> = { ESP32: 0, 'ESP32-S2': 2, 'ESP32-C3': 5, 'ESP32-S3': 9, 'ESP32-C2': 12, 'ESP32-C6': 13, 'ESP32-H2': 16 };

/** ESP-IDF's ESP_IMAGE_MAX_SEGMENTS: the bootloader refuses more. */
export const MAX_SEGMENTS = 16;
const CHECKSUM_SEED = 0xef;
const HEADER_BYTES = 8;
const EXTENDED_HEADER_BYTES = 16;
const SEGMENT_HEADER_BYTES = 8;

/** The chip id an image at `offset` of `bytes` says it is built for. */
export function imageChipId(bytes: Uint8Array, offset = 0): number {
  return bytes[offset + 12]! | (bytes[offset + 13]! << 8);
}

/** The chip name for an image's chip id, if it is one of the family's. */
export function chipOfImageId(id: number): string | undefined {
  return Object.entries(IMAGE_CHIP_IDS).find(([, known]) => known === id)?.[0];
}

/** ESP8266 images have the plain header; every other chip the extended one. */
export type ImageFamily = 'esp8266' | 'esp32';
export const imageFamilyOf = (chip: string): ImageFamily => (chip === 'ESP8266' ? 'esp8266' : 'esp32');

export interface ImageSegment {
  loadAddress: number;
  /** Where its data starts, from the start of the buffer. */
  dataOffset: number;
  length: number;
}

export interface ParsedImage {
  offset: number;
  family: ImageFamily;
  segments: ImageSegment[];
  entry: number;
  /** ESP32 family only. */
  chipId?: number;
  /** The checksum byte matched (always true in a returned ParsedImage; a mismatch throws). */
  checksum: number;
  /** A SHA-256 is appended (and matched). */
  hashAppended: boolean;
  /** First byte after the image (after the SHA-256 when there is one). */
  end: number;
}

/** What is wrong with an image, in words a user can act on (the caller adds where and the fix). */
export class ImageFormatError extends Error {}

const hex = (n: number, width = 2): string => `0x${n.toString(16).padStart(width, '0')}`;
const u32 = (bytes: Uint8Array, at: number): number => (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;

/**
 * Reads and checks the image at `offset`: header, every segment inside the buffer, the checksum,
 * and the appended SHA-256 when the header says there is one. Throws ImageFormatError saying what.
 */
export function parseImage(bytes: Uint8Array, offset: number, family: ImageFamily): ParsedImage {
  const headerBytes = HEADER_BYTES + (family === 'esp32' ? EXTENDED_HEADER_BYTES : 0);
  if (bytes.length < offset + headerBytes) throw new ImageFormatError(`truncated: ${bytes.length - offset} bytes, less than the ${headerBytes}-byte image header`);
  if (bytes[offset] !== IMAGE_MAGIC) throw new ImageFormatError(`no image header: the first byte is ${hex(bytes[offset]!)}, not ${hex(IMAGE_MAGIC)}`);
  const count = bytes[offset + 1]!;
  if (count === 0 || count > MAX_SEGMENTS) throw new ImageFormatError(`the header says ${count} segments (an image has 1 to ${MAX_SEGMENTS})`);
  const hashFlag = family === 'esp32' ? bytes[offset + 23]! : 0;
  if (hashFlag > 1) throw new ImageFormatError(`the extended header's hash_appended byte is ${hex(hashFlag)}, not 0 or 1`);
  const segments: ImageSegment[] = [];
  let checksum = CHECKSUM_SEED;
  let at = offset + headerBytes;
  for (let i = 0; i < count; i++) {
    if (at + SEGMENT_HEADER_BYTES > bytes.length) throw new ImageFormatError(`truncated: the file ends inside segment ${i + 1} of ${count}'s header (at byte ${at})`);
    const segment = { loadAddress: u32(bytes, at), dataOffset: at + SEGMENT_HEADER_BYTES, length: u32(bytes, at + 4) };
    if (segment.dataOffset + segment.length > bytes.length) {
      throw new ImageFormatError(`truncated: segment ${i + 1} of ${count} (${segment.length} bytes for ${hex(segment.loadAddress, 8)}) runs past the end of the file at byte ${bytes.length}`);
    }
    for (let j = segment.dataOffset; j < segment.dataOffset + segment.length; j++) checksum ^= bytes[j]!;
    segments.push(segment);
    at = segment.dataOffset + segment.length;
  }
  // Zero padding so that the checksum is the last byte of a 16-byte block (counted from the image start).
  const checksumAt = at + (15 - ((at - offset) % 16));
  if (checksumAt >= bytes.length) throw new ImageFormatError(`truncated: the file ends before the checksum byte (at byte ${checksumAt})`);
  if (bytes[checksumAt] !== checksum) throw new ImageFormatError(`checksum mismatch: the image says ${hex(bytes[checksumAt]!)}, its segments sum to ${hex(checksum)} (corrupted)`);
  let end = checksumAt + 1;
  if (hashFlag === 1) {
    if (end + 32 > bytes.length) throw new ImageFormatError('truncated: the file ends inside the appended SHA-256');
    const actual = createHash('sha256').update(bytes.subarray(offset, end)).digest();
    if (!actual.equals(bytes.subarray(end, end + 32))) throw new ImageFormatError('SHA-256 mismatch: the digest appended to the image does not match its contents (corrupted)');
    end += 32;
  }
  return {
    offset,
    family,
    segments,
    entry: u32(bytes, offset + 4),
    ...(family === 'esp32' ? { chipId: imageChipId(bytes, offset) } : {}),
    checksum,
    hashAppended: hashFlag === 1,
    end,
  };
}

export interface ImageSpec {
  family: ImageFamily;
  chipId?: number;
  entry?: number;
  segments: { loadAddress: number; data: Uint8Array }[];
  /** Append the SHA-256 (ESP32 family; esptool's default). */
  hashAppended?: boolean;
}

/** Builds an image the way esptool's elf2image lays it out (the inverse of parseImage; tests and fixtures). */
export function buildImage(spec: ImageSpec): Uint8Array {
  const headerBytes = HEADER_BYTES + (spec.family === 'esp32' ? EXTENDED_HEADER_BYTES : 0);
  const body = spec.segments.reduce((n, s) => n + SEGMENT_HEADER_BYTES + s.data.length, headerBytes);
  const checksumAt = body + (15 - (body % 16));
  const hash = spec.family === 'esp32' && spec.hashAppended !== false;
  const image = new Uint8Array(checksumAt + 1 + (hash ? 32 : 0));
  const view = new DataView(image.buffer);
  image.set([IMAGE_MAGIC, spec.segments.length, 0x02, 0x20]); // DIO, 4 MB / 40 MHz
  view.setUint32(4, spec.entry ?? 0x40080000, true);
  if (spec.family === 'esp32') {
    image[8] = 0xee; // WP pin: disabled
    view.setUint16(12, spec.chipId ?? 0, true);
    view.setUint16(17, 399, true); // max chip revision v3.99
    image[23] = hash ? 1 : 0;
  }
  let at = headerBytes;
  let checksum = CHECKSUM_SEED;
  for (const segment of spec.segments) {
    view.setUint32(at, segment.loadAddress, true);
    view.setUint32(at + 4, segment.data.length, true);
    image.set(segment.data, at + SEGMENT_HEADER_BYTES);
    for (const byte of segment.data) checksum ^= byte;
    at += SEGMENT_HEADER_BYTES + segment.data.length;
  }
  image[checksumAt] = checksum;
  if (hash) image.set(createHash('sha256').update(image.subarray(0, checksumAt + 1)).digest(), checksumAt + 1);
  return image;
}
