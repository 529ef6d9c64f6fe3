// Verifies a firmware file by its own structure before anything is cached or written, for the chip
// it is meant for. A MicroPython release .bin is a whole flash layout, not one image:
// - ESP32 family (written at the board's offset, 0x1000 or 0x0): the second-stage bootloader image
//   at the start, the partition table at flash 0x8000 (entries, and its MD5 entry when present),
//   and the app image(s) it lists that lie inside the file. Each image: header, chip id, segments
//   inside the file, XOR checksum, and the appended SHA-256 when its header says there is one.
// - ESP8266 (written at 0x0; MicroPython's makeimg.py): a v1 image (header, segments, checksum) for
//   the RAM segments, 0xFF padding to 0x9000 - 4, a little-endian length word (0x9000 + the
//   irom0.text size), the irom0.text bytes, then the MD5 of bytes 4 .. that length. ESP8266 images
//   have no chip id and no SHA-256: the checksum and that MD5 are all the file carries.
import { createHash } from 'node:crypto';
import { chipOfImageId, IMAGE_CHIP_IDS, ImageFormatError, imageFamilyOf, parseImage, type ImageFamily, type ParsedImage } from './imageHeader.ts';

export interface ImageReport {
  /** What was checked, one phrase each (shown by --verbose and in --json). */
  verified: string[];
  /** What this kind of file cannot show (nothing to check it against). */
  notVerified: string[];
}

/** 'release': a MicroPython release .bin, whose whole layout must be present; 'any': a user's own .bin (its first image must be sound; the rest is checked where recognised). */
export type ImageCheckMode = 'release' | 'any';

const PARTITION_TABLE_AT = 0x8000;
const PARTITION_TABLE_MAX = 0xc00;
const ESP8266_IROM_AT = 0x9000;
const hex = (n: number): string => `0x${n.toString(16)}`;
const u32 = (bytes: Uint8Array, at: number): number => (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
const md5 = (bytes: Uint8Array): Buffer => createHash('md5').update(bytes).digest();

/** Checks `bytes` as firmware for `chip` written at `flashOffset`. Throws ImageFormatError naming the part and the problem. */
export function verifyFirmware(bytes: Uint8Array, chip: string, flashOffset: number, mode: ImageCheckMode): ImageReport {
  return imageFamilyOf(chip) === 'esp8266' ? verifyEsp8266(bytes, mode) : verifyEsp32(bytes, chip, flashOffset, mode);
}

/** The first image, read as the chip's family; when that fails but it reads as the other family, says which chip it is for. */
function firstImage(bytes: Uint8Array, chip: string, family: ImageFamily): ParsedImage {
  try {
    return parseImage(bytes, 0, family);
  } catch (error) {
    const other: ImageFamily = family === 'esp8266' ? 'esp32' : 'esp8266';
    let image: ParsedImage | undefined;
    try {
      image = parseImage(bytes, 0, other);
    } catch {
      throw error;
    }
    const builtFor = other === 'esp8266' ? 'ESP8266' : (chipOfImageId(image.chipId!) ?? `chip id ${image.chipId}`);
    throw new ImageFormatError(`built for ${builtFor}, not ${chip}`);
  }
}

function checkChipId(image: ParsedImage, chip: string, where: string): void {
  const expected = IMAGE_CHIP_IDS[chip];
  if (expected === undefined || image.chipId === expected) return;
  const builtFor = chipOfImageId(image.chipId!) ?? `chip id ${image.chipId}`;
  throw new ImageFormatError(`${where} is built for ${builtFor}, not ${chip}`);
}

const describeImage = (what: string, image: ParsedImage): string =>
  `${what}: header, ${image.segments.length} segment${image.segments.length === 1 ? '' : 's'} inside the file, checksum${image.chipId === undefined ? '' : `, chip id ${image.chipId}`}${image.hashAppended ? ', appended SHA-256' : ''}`;

function verifyEsp32(bytes: Uint8Array, chip: string, flashOffset: number, mode: ImageCheckMode): ImageReport {
  const report: ImageReport = { verified: [], notVerified: [] };
  const boot = firstImage(bytes, chip, 'esp32');
  checkChipId(boot, chip, 'the image');
  report.verified.push(describeImage(`image at ${hex(flashOffset)}`, boot));
  const tableAt = PARTITION_TABLE_AT - flashOffset;
  const hasTable = bytes[tableAt] === 0xaa && bytes[tableAt + 1] === 0x50;
  if (!hasTable) {
    if (mode === 'release') {
      const why = bytes.length <= tableAt ? `the file ends at byte ${bytes.length}` : `byte ${hex(tableAt)} of the file holds no partition table`;
      throw new ImageFormatError(`truncated or not a MicroPython release: ${why}, where the partition table (flash ${hex(PARTITION_TABLE_AT)}) belongs`);
    }
    if (bytes.subarray(boot.end).some((b) => b !== 0xff)) report.notVerified.push(`${bytes.length - boot.end} bytes after the image (no partition table at flash ${hex(PARTITION_TABLE_AT)})`);
    return report;
  }
  const apps = partitionApps(bytes, tableAt, report);
  const inside = apps.filter((app) => app.offset - flashOffset < bytes.length);
  if (inside.length === 0) throw new ImageFormatError(`truncated: the partition table's app partition at ${hex(apps[0]?.offset ?? 0)} starts past the end of the file (${bytes.length} bytes)`);
  for (const app of inside) {
    const where = `the app image at flash ${hex(app.offset)} ('${app.label}')`;
    let image: ParsedImage;
    try {
      image = parseImage(bytes, app.offset - flashOffset, 'esp32');
    } catch (error) {
      throw new ImageFormatError(`${where}: ${(error as Error).message}`);
    }
    checkChipId(image, chip, where);
    report.verified.push(describeImage(`app '${app.label}' at ${hex(app.offset)}`, image));
  }
  return report;
}

/** ESP-IDF partition table: 32-byte entries (0xAA 0x50, type, subtype, offset, size, label, flags), an optional MD5 entry (0xEB 0xEB), then 0xFF. */
function partitionApps(bytes: Uint8Array, tableAt: number, report: ImageReport): { offset: number; label: string }[] {
  const apps: { offset: number; label: string }[] = [];
  let at = tableAt;
  let md5Checked = false;
  for (; at + 32 <= bytes.length && at < tableAt + PARTITION_TABLE_MAX; at += 32) {
    if (bytes[at] === 0xaa && bytes[at + 1] === 0x50) {
      if (bytes[at + 2] === 0) apps.push({ offset: u32(bytes, at + 4), label: Buffer.from(bytes.subarray(at + 12, at + 28)).toString('latin1').replace(/\0.*$/s, '') });
      continue;
    }
    if (bytes[at] === 0xeb && bytes[at + 1] === 0xeb) {
      if (!md5(bytes.subarray(tableAt, at)).equals(bytes.subarray(at + 16, at + 32))) throw new ImageFormatError(`the partition table's MD5 does not match its entries (corrupted at flash ${hex(PARTITION_TABLE_AT)})`);
      md5Checked = true;
    }
    break;
  }
  if (at + 32 > bytes.length) throw new ImageFormatError('truncated: the file ends inside the partition table');
  if (apps.length === 0) throw new ImageFormatError(`the partition table at flash ${hex(PARTITION_TABLE_AT)} lists no app partition`);
  report.verified.push(`partition table at ${hex(PARTITION_TABLE_AT)}: ${(at - tableAt) / 32} entries${md5Checked ? ', MD5' : ' (it has no MD5 entry)'}`);
  return apps;
}

function verifyEsp8266(bytes: Uint8Array, mode: ImageCheckMode): ImageReport {
  const report: ImageReport = { verified: [], notVerified: ['ESP8266 images carry no chip id and no SHA-256'] };
  const boot = firstImage(bytes, 'ESP8266', 'esp8266');
  report.verified.push(describeImage('image at 0x0', boot));
  const lengthAt = ESP8266_IROM_AT - 4;
  const combined = bytes.length > ESP8266_IROM_AT && boot.end <= lengthAt && u32(bytes, lengthAt) + 16 === bytes.length;
  if (!combined) {
    if (mode === 'release') {
      const why = bytes.length <= ESP8266_IROM_AT ? `the file ends at byte ${bytes.length}, before irom0.text (${hex(ESP8266_IROM_AT)})` : `the length word at ${hex(lengthAt)} says ${u32(bytes, lengthAt)} + 16 bytes, the file has ${bytes.length}`;
      throw new ImageFormatError(`truncated or not a MicroPython release: ${why}`);
    }
    if (bytes.length > boot.end) report.notVerified.push(`${bytes.length - boot.end} bytes after the image (not MicroPython's combined layout)`);
    return report;
  }
  if (bytes.subarray(boot.end, lengthAt).some((b) => b !== 0xff)) throw new ImageFormatError(`the padding between the image and irom0.text (bytes ${boot.end}..${hex(lengthAt)}) is not 0xFF (corrupted)`);
  const end = bytes.length - 16;
  if (!md5(bytes.subarray(4, end)).equals(bytes.subarray(end))) throw new ImageFormatError('MD5 mismatch: the MD5 MicroPython appends does not match the file (corrupted)');
  report.verified.push(`irom0.text at ${hex(ESP8266_IROM_AT)}: length word, 0xFF padding, MicroPython's MD5 of the whole file`);
  return report;
}
