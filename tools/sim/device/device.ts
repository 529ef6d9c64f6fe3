// One virtual board as the chip is one device: the ROM loader (and the flasher stub it runs), the
// flash, and the MicroPython app, behind one reset wiring and one MAC. The DTR/RTS lines decide, as
// on the chip, whether a reset waits in the loader or boots the flash; the flash decides what boots:
// a MicroPython image boots the interpreter (reporting the version the image carries), another
// valid image runs silently, an erased or garbage one prints the ROM's boot-failure loop. Erasing
// the filesystem region (erase-flash) wipes the board's files.
import { CHIPS, createVirtualLoader, type ChipName, type LoaderEvent, type VirtualLoader } from '../../flash/loader/index.ts';
import type { SerialFarEnd } from '../../serial/index.ts';
import type { VirtualBoard } from '../board.ts';
import { filesystemOffset, inspectFlash, preinstalledImage, type BootImage } from './bootImage.ts';

export interface BoardDeviceOptions {
  /** 'classic' wiring: IO0 may go low this long after EN rises and still count (see EspResetDecoder). */
  strapWindowMs?: number;
}

export interface BoardDevice {
  readonly board: VirtualBoard;
  readonly loader: VirtualLoader;
  /** What the flash held at the last boot. */
  readonly lastBoot: BootImage;
  /** A new view of the board's serial port for one host transport (pty, RFC 2217, virtual binding). */
  port(): SerialFarEnd;
  /** Lines the ROM prints (boot banners, "waiting for download", "invalid header"); returns the remover. */
  onRomLine(listener: (line: string) => void): () => void;
  dispose(): void;
}

/** The board's MAC ("240ac4a09fa8" or "24:0a:c4:…") as the loader's efuses take it. */
const colonMac = (mac: string): string => (mac.includes(':') ? mac : (mac.match(/[0-9a-f]{2}/gi) ?? []).join(':'));

const devices = new WeakMap<VirtualBoard, BoardDevice>();

/** The device around `board` (one per board: every transport shares its flash and reset wiring). */
export function boardDevice(board: VirtualBoard, options: BoardDeviceOptions = {}): BoardDevice {
  let device = devices.get(board);
  if (!device) {
    device = new Device(board, options);
    devices.set(board, device);
  }
  return device;
}

/** How often an unbootable chip's ROM prints its failure and resets (RTC watchdog), roughly. */
const BOOT_FAILURE_PERIOD_MS = 1000;

class Device implements BoardDevice {
  readonly loader: VirtualLoader;
  lastBoot: BootImage;
  private readonly hosts = new Set<(bytes: Uint8Array) => void>();
  private readonly romListeners = new Set<(line: string) => void>();
  /** Hold/release of the interpreter, in order (each waits for the worker). */
  private appQueue: Promise<void> = Promise.resolve();
  private appRunning = true;
  private failureLoop: NodeJS.Timeout | undefined;
  private readonly offLoader: () => void;
  private readonly onUart = (bytes: Uint8Array): void => {
    if (this.appRunning && this.loader.state === 'app') this.toHosts(bytes);
  };

  constructor(
    readonly board: VirtualBoard,
    options: BoardDeviceOptions,
  ) {
    const chip = board.board.chip as ChipName;
    this.loader = createVirtualLoader({
      chip,
      mac: colonMac(board.mac),
      wiring: board.board.resetStrategy,
      ...(options.strapWindowMs === undefined ? {} : { strapWindowMs: options.strapWindowMs }),
    });
    this.loader.flash.set(preinstalledImage(CHIPS[chip]), CHIPS[chip].bootloaderOffset);
    this.lastBoot = inspectFlash(this.loader.flash, this.loader.facts);
    this.loader.farEnd.connect((bytes) => {
      this.toHosts(bytes);
      // Loader packets are SLIP frames (they start with 0xC0); anything else is the ROM's text.
      if (bytes[0] !== 0xc0) this.romText(bytes);
    });
    this.offLoader = this.loader.on((event) => this.onLoaderEvent(event));
    board.on('uart', this.onUart);
  }

  port(): SerialFarEnd {
    let emit: ((bytes: Uint8Array) => void) | undefined;
    return {
      connect: (send) => {
        if (emit) this.hosts.delete(emit);
        emit = send;
        this.hosts.add(send);
      },
      receive: (bytes) => {
        if (this.loader.state === 'rom' || this.loader.state === 'stub') this.loader.farEnd.receive(bytes);
        else if (this.loader.state === 'app' && this.appRunning) this.board.write(bytes);
      },
      signals: (lines) => this.loader.farEnd.signals?.(lines),
      baudRate: (baud) => this.loader.farEnd.baudRate?.(baud),
      disconnect: () => {
        if (emit) this.hosts.delete(emit);
        emit = undefined;
      },
    };
  }

  onRomLine(listener: (line: string) => void): () => void {
    this.romListeners.add(listener);
    return () => this.romListeners.delete(listener);
  }

  private romText(bytes: Uint8Array): void {
    for (const line of Buffer.from(bytes).toString('latin1').split(/\r?\n/)) if (line.trim()) for (const listener of this.romListeners) listener(line.trim());
  }

  dispose(): void {
    clearInterval(this.failureLoop);
    this.offLoader();
    this.board.off('uart', this.onUart);
    this.loader.dispose();
    devices.delete(this.board);
  }

  private toHosts(bytes: Uint8Array): void {
    for (const host of this.hosts) host(bytes);
  }

  private onLoaderEvent(event: LoaderEvent): void {
    switch (event.type) {
      case 'hold':
        return this.stopApp();
      case 'reset':
        if (event.bootMode === 'download') return this.stopApp();
        return this.bootFlash();
      case 'app': // FLASH_END "run user code", RUN_USER_CODE
        return this.bootFlash();
      case 'erase':
        // MicroPython keeps its filesystem in flash: erasing that region loses the files.
        if (event.offset + event.length > filesystemOffset(this.loader.chip)) this.enqueue(async () => this.board.wipeFiles());
        return;
      default:
        return;
    }
  }

  private enqueue(step: () => Promise<void>): void {
    this.appQueue = this.appQueue.then(step).catch((error: unknown) => {
      this.board.emit('crashed', error instanceof Error ? error : new Error(String(error)));
    });
  }

  private stopApp(): void {
    clearInterval(this.failureLoop);
    this.failureLoop = undefined;
    if (!this.appRunning) return;
    this.appRunning = false;
    this.enqueue(() => this.board.hold());
  }

  /** The ROM boots whatever the flash holds now (it has already printed its boot lines). */
  private bootFlash(): void {
    this.stopApp();
    const image = inspectFlash(this.loader.flash, this.loader.facts);
    this.lastBoot = image;
    if (image.kind === 'invalid') {
      // No app: the RTC watchdog resets the chip, the ROM prints the same failure again, forever.
      const again = `${this.loader.facts.banner('normal').replace('rst:0x1 (POWERON_RESET)', 'rst:0x10 (RTCWDT_RTC_RESET)')}invalid header: 0x${image.headerWord.toString(16).padStart(8, '0')}\r\n`;
      this.failureLoop = setInterval(() => {
        if (this.loader.state !== 'app') return;
        const bytes = new TextEncoder().encode(again);
        this.toHosts(bytes);
        this.romText(bytes);
      }, BOOT_FAILURE_PERIOD_MS);
      this.failureLoop.unref();
      return;
    }
    if (image.kind === 'other') return;
    this.appRunning = true;
    this.enqueue(() => this.board.release(image.firmware));
  }
}
