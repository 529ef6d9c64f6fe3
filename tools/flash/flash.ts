// Flashes one board with esptool-js under Node: reset into the ROM loader, identify the chip (and,
// without a board profile, pick the one for that chip), refuse a board mismatch or an image that
// is not sound firmware for the chip before anything is written, run the stub, (erase,) write
// compressed at the board's offset, verify the MD5, reset into the new firmware.
// Library code: no printing. Progress goes to `onProgress`, esptool-js's chatter to `log`.
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { ESPLoader, Transport, type IEspLoaderTerminal } from 'esptool-js';
import { imageOffset, type BoardProfile } from '../boards/index.ts';
import { DeviceError, InputError } from '../errors.ts';
import { createSerialLink, type SerialLinkInfo } from '../serial/link.ts';
import { flashFailure } from './hints.ts';
import { LinkSerialPort } from './webSerial.ts';
import { verifyFirmware, type ImageReport } from './imageCheck.ts';
import { ImageFormatError } from './imageHeader.ts';

export type FlashStepName = 'connect' | 'detectChip' | 'checkChip' | 'image' | 'stub' | 'erase' | 'write' | 'verify' | 'hardReset';

export interface FlashProgress {
  step: FlashStepName;
  /** During 'write': compressed bytes sent of `total`. */
  written?: number;
  total?: number;
  /** After 'checkChip': the chip found and the board profile used for it. */
  chip?: string;
  board?: string;
}

/** Chooses the board profile for the chip the ROM loader reported; throws InputError when none fits. */
export type BoardPicker = (chip: string) => BoardProfile;

export interface FlashBoardOptions {
  path: string;
  /** serialport binding (VirtualBinding in tests); the OS one when omitted. */
  binding?: BindingInterface;
  /** The board profile, or a picker that chooses it from the detected chip (no --board given). */
  board: BoardProfile | BoardPicker;
  /** The image, or a function giving it once the board is known (a release for the detected chip). */
  image: Uint8Array | ((board: BoardProfile) => Promise<Uint8Array>);
  /** Baud for the transfer (the ROM is reached at 115200, then the stub switches); default: the board profile's. */
  baud?: number;
  erase?: boolean;
  /** How messages name the target, e.g. "device 'team-1'" (default "board 'esp32'"). */
  label?: string;
  /** USB identity from listPorts, when known. */
  info?: SerialLinkInfo;
  onProgress?: (progress: FlashProgress) => void;
  /** esptool-js's log lines. */
  log?: (line: string) => void;
}

export interface FlashResult {
  chip: string;
  /** The board profile used. */
  board: string;
  /** True when that profile was picked from the detected chip (no board given). */
  detected: boolean;
  /** What the image's structure check covered. */
  imageCheck: ImageReport;
  mac?: string;
  /** Image bytes written to flash (uncompressed, padded to 4). */
  bytesWritten: number;
  /** Deflated bytes sent in FLASH_DEFL_DATA blocks. */
  compressedBytes: number;
  /** Every byte that crossed the link, both directions, SLIP framing and protocol included. */
  wireBytes: number;
  /** The baud the transfer ran at (esptool-js silently falls back to 115200 when a change fails). */
  baud: number;
  seconds: number;
  /** Hex MD5 of what was written, confirmed by the board. */
  md5: string;
  writeSeconds: number;
  /** Things that went less well than asked without failing (no reset lines, baud fallback). */
  warnings: string[];
  /** False when the port has no DTR/RTS (a pseudo-terminal): the reset pulse reached nothing. */
  restarted: boolean;
}

interface FlashContext {
  options: FlashBoardOptions;
  loader: ESPLoader;
  port: LinkSerialPort;
  /** Known from the start, or picked after detectChip. */
  board?: BoardProfile;
  /** The image as written (esptool-js pads it to a multiple of 4 with 0xFF); set by the 'image' step at the latest. */
  data?: Uint8Array;
  offset: number;
  /** The last device→host bytes while connecting (latin1), for the boot-mode diagnosis. */
  bootLog: { text: string; capturing: boolean };
  result: Partial<FlashResult> & { wireBytes: number; warnings: string[] };
}

type FlashStep = (ctx: FlashContext) => Promise<void>;

const romBaudrate = 115200;
const md5Hex = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

/** Opens at 115200, resets into the ROM loader (classic DTR/RTS or USB-JTAG sequence) and syncs; identifies the chip. */
const connect: FlashStep = async ({ loader, bootLog }) => {
  await loader.connect('default_reset', 7, true);
  bootLog.capturing = false;
};

const detectChip: FlashStep = async ({ loader, result }) => {
  result.chip = loader.chip.CHIP_NAME;
  try {
    result.mac = await loader.chip.readMac(loader);
  } catch {
    // MAC is informational (secure download mode forbids the register reads).
  }
};

/** Picks the profile for the detected chip, or refuses the wrong board (the chip answering on the port is not the profile's): bad input, exit 2. */
const checkChip: FlashStep = async (ctx) => {
  const { options, result } = ctx;
  const chip = result.chip!;
  if (typeof options.board === 'function') {
    ctx.board = options.board(chip);
    result.detected = true;
  } else if (chip !== options.board.chip) {
    throw new InputError(`port ${options.path} has an ${chip}, but ${options.label ?? `board '${options.board.id}'`} is an ${options.board.id}`, [], {
      hint: `Plug in the right board, or flash it as what it is: --board ${chip.toLowerCase().replace(/-/g, '')}. Nothing was written.`,
    });
  }
  options.onProgress?.({ step: 'checkChip', chip, board: ctx.board!.id });
};

/** The image for the board, once known (a release is fetched only now when the chip was detected), checked before anything is written. */
const image: FlashStep = async (ctx) => {
  const board = ctx.board!;
  ctx.offset = imageOffset(board);
  if (ctx.data) return;
  const { options } = ctx;
  const bytes = typeof options.image === 'function' ? await options.image(board) : options.image;
  ctx.result.imageCheck = checkImage(bytes, board, options.label ?? `board '${board.id}'`);
  ctx.data = padTo4(bytes);
};

/** Uploads the flasher stub to RAM, then switches both ends to the transfer baud. */
const stub: FlashStep = async ({ loader, options, board, result }) => {
  const baud = options.baud ?? board!.baud.default;
  // The board (and so its default baud) may only be known now, after detection; esptool-js reads
  // the target baud from this field (typed private) in changeBaud().
  (loader as unknown as { baudrate: number }).baudrate = baud;
  await loader.runStub();
  if (baud !== romBaudrate) await loader.changeBaud();
  result.baud = loader.transport.baudrate;
  if (result.baud !== baud) result.warnings.push(`the board did not take ${baud} baud; flashed at ${result.baud}`);
};

const erase: FlashStep = async ({ loader, options }) => {
  if (options.erase) await loader.eraseFlash();
};

/**
 * FLASH_DEFL_BEGIN / DATA / END through esptool-js's per-command calls rather than its writeFlash:
 * that one inflates every block again byte by byte (pako, chunkSize 1) only to print a progress
 * line, about 1.3 s of CPU per MB spent between blocks while the link sits idle. Here the image is
 * deflated once (zlib level 9, as esptool does) and the blocks go out back to back; esptool-js still
 * frames, checksums and retries each block.
 */
const write: FlashStep = async ({ loader, options, data: written, offset, result }) => {
  const data = written!;
  const started = performance.now();
  const compressed = deflateSync(data, { level: 9 });
  const total = compressed.length;
  result.compressedBytes = total;
  const blocks = await loader.flashDeflBegin(data.length, total, offset);
  const blockSize = loader.FLASH_WRITE_SIZE;
  // The stub acknowledges a block and then erases and programs what it inflates to (about
  // blockSize × data ÷ compressed bytes) while the next arrives: give that time to the next ACK.
  const perBlock = Math.ceil((blockSize * data.length) / Math.max(1, total));
  const timeout = Math.max(loader.DEFAULT_TIMEOUT, loader.timeoutPerMb(loader.ERASE_WRITE_TIMEOUT_PER_MB, perBlock));
  options.onProgress?.({ step: 'write', written: 0, total });
  for (let seq = 0; seq < blocks; seq++) {
    await loader.flashDeflBlock(compressed.subarray(seq * blockSize, (seq + 1) * blockSize), seq, timeout);
    options.onProgress?.({ step: 'write', written: Math.min(total, (seq + 1) * blockSize), total });
  }
  // Leave "flash mode" but stay in the stub (the hard reset comes after the MD5 check).
  await loader.flashDeflFinish(false, timeout);
  result.bytesWritten = data.length;
  result.writeSeconds = (performance.now() - started) / 1000;
};

/** The board's MD5 of what it now holds must match the image: a success never rests on a check we did not see. */
const verify: FlashStep = async ({ loader, data, offset, result }) => {
  const expected = md5Hex(data!);
  const actual = await loader.flashMd5sum(offset, data!.length);
  if (actual !== expected) {
    throw new DeviceError(`MD5 mismatch after writing: the board has ${actual}, the image is ${expected}`, { hint: 'The write was corrupted: flash again, with --erase, or at a lower --baud.' });
  }
  result.md5 = expected;
};

/** EN pulse with IO0 high: RTS asserted, wait, released (esptool.py's; esptool-js's HardReset only releases RTS). */
const hardReset: FlashStep = async ({ loader, port }) => {
  const { usbVendorId, usbProductId } = port.getInfo();
  const usbOtg = usbVendorId === 0x303a && usbProductId !== 0x1001;
  await loader.after('custom_reset', usbOtg, `D0|R1|W${usbOtg ? 200 : 100}|R0`);
};

export const flashSteps: readonly [FlashStepName, FlashStep][] = [
  ['connect', connect],
  ['detectChip', detectChip],
  ['checkChip', checkChip],
  ['image', image],
  ['stub', stub],
  ['erase', erase],
  ['write', write],
  ['verify', verify],
  ['hardReset', hardReset],
];

/** esptool-js's Transport with its trace lines routed to our log (it prints "readLoop exited" itself otherwise). */
class LoggingTransport extends Transport {
  log: (line: string) => void = () => {};
  override trace(message: string): void {
    if (this.tracing) this.log(`TRACE ${message}`);
  }
}

/** Flashes `image` at the board's offset. Throws DeviceError (exit 3) with a hint; never prints. */
export async function flashBoard(options: FlashBoardOptions): Promise<FlashResult> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const bootLog = { text: '', capturing: true };
  const result: FlashContext['result'] = { wireBytes: 0, warnings: [] };
  const port = new LinkSerialPort(
    (baudRate) => {
      const link = createSerialLink(options.path, { baudRate, ...(options.binding ? { binding: options.binding } : {}), ...(options.info ? { info: options.info } : {}) });
      link.on('data', (chunk) => {
        if (bootLog.capturing) bootLog.text = (bootLog.text + Buffer.from(chunk).toString('latin1')).slice(-4096);
      });
      return link;
    },
    {
      ...(options.info ? { info: options.info } : {}),
      onTraffic: (_direction, bytes) => (result.wireBytes += bytes),
      onNote: (note) => {
        result.warnings.push(note);
        log(note);
      },
    },
  );
  const transport = new LoggingTransport(port as unknown as ConstructorParameters<typeof Transport>[0], false);
  transport.log = log;
  const loader = new ESPLoader({ transport, baudrate: options.baud ?? romBaudrate, romBaudrate, terminal: terminal(log) });
  const ctx: FlashContext = { options, loader, port, offset: 0, bootLog, result };
  if (typeof options.board !== 'function') {
    ctx.board = options.board;
    // Both known: refuse a bad image before the port is even opened.
    if (typeof options.image !== 'function') {
      result.imageCheck = checkImage(options.image, options.board, options.label);
      ctx.data = padTo4(options.image);
    }
  }
  let step: FlashStepName = 'connect';
  try {
    for (const [name, run] of flashSteps) {
      step = name;
      options.onProgress?.({ step });
      await run(ctx);
    }
  } catch (error) {
    // Leave the board running its app (the old one after a refusal), not parked in the ROM loader.
    if (step !== 'connect' && step !== 'hardReset' && port.current && !port.lost) await hardReset(ctx).catch(() => {});
    throw flashFailure(port.lost ?? error, { step, path: options.path, bootLog: bootLog.text });
  } finally {
    // Not transport.disconnect(): it waits for stream locks that esptool-js leaks after a failed write.
    await port.forceClose();
    await sleep(0); // lets esptool-js's read loop see the end of its stream
  }
  return {
    chip: result.chip!,
    board: ctx.board!.id,
    detected: result.detected ?? false,
    imageCheck: result.imageCheck!,
    ...(result.mac ? { mac: result.mac } : {}),
    bytesWritten: result.bytesWritten ?? 0,
    compressedBytes: result.compressedBytes ?? 0,
    wireBytes: result.wireBytes,
    baud: result.baud ?? romBaudrate,
    seconds: (performance.now() - started) / 1000,
    md5: result.md5!,
    writeSeconds: result.writeSeconds ?? 0,
    warnings: result.warnings,
    restarted: !port.linesUnsupported,
  };
}

/**
 * Refuses an image that is not sound firmware for the board's chip, by its own structure
 * (imageCheck.ts): ESP image header, chip id (ESP32 family), segments inside the file, checksum,
 * appended SHA-256, and the MicroPython layout around it where there is one.
 */
export function checkImage(image: Uint8Array, board: BoardProfile, label = `board '${board.id}'`): ImageReport {
  try {
    return verifyFirmware(image, board.chip, imageOffset(board), 'any');
  } catch (error) {
    if (!(error instanceof ImageFormatError)) throw error;
    throw new InputError(`the image cannot go on ${label} (${board.chip}): ${error.message}`, [], {
      cause: error,
      hint: `Use the MicroPython .bin for ${board.id} (e.g. --version, which picks and verifies it). Nothing was written.`,
    });
  }
}

function terminal(log: (line: string) => void): IEspLoaderTerminal {
  let partial = '';
  const flush = (text: string, end: boolean): void => {
    const lines = (partial + text).split(/\r?\n|\r/);
    partial = end ? '' : lines.pop()!;
    for (const line of lines) if (line.trim()) log(line.trimEnd());
  };
  return { clean: () => {}, write: (text) => flush(text, false), writeLine: (text) => flush(text, true) };
}

function padTo4(image: Uint8Array): Uint8Array {
  if (image.length % 4 === 0) return image;
  const padded = new Uint8Array(image.length + 4 - (image.length % 4)).fill(0xff);
  padded.set(image);
  return padded;
}
