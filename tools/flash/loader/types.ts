// Public types of the virtual ROM loader (see index.ts for the contract).
import type { EspBootMode, EspWiring } from '../../serial/espReset.ts';
import type { SerialFarEnd } from '../../serial/virtualBinding.ts';
import type { ChipFacts, ChipName } from './chips.ts';

/** 'held': EN is low (reset held); 'app': running flash (input ignored); 'rom'/'stub': the loaders. */
export type LoaderState = 'app' | 'rom' | 'stub' | 'held';

export interface LoaderFaults {
  /** Drop every Nth host→device byte (counted over bytes reaching the loader). */
  dropByteEvery?: number;
  /** Answer every Nth checksummed command (MEM_DATA, FLASH_DATA, FLASH_DEFL_DATA) with a bad-checksum
   *  error (ROM 0x07, stub 0xC1) without applying it, as if the block arrived corrupted. */
  badChecksumReplyEvery?: number;
  /** Ignore the first command with this opcode (no reply, no effect): the host times out. */
  timeoutOnCommand?: number;
}

export interface VirtualLoaderOptions {
  chip: ChipName;
  /** Bytes, a power of two; default 4 MiB. */
  flashSize?: number;
  /** "aa:bb:cc:dd:ee:ff"; default per chip (ChipFacts.defaultMac). */
  mac?: string;
  /** Reset wiring; default per chip: 'classic' for ESP32/ESP8266, 'usb-jtag-serial' for S3/C3. */
  wiring?: EspWiring;
  /** Drop bytes both ways while the host's baud differs from the chip's (after the stub starts or
   *  CHANGE_BAUDRATE), as a real UART would garble them. Default true. */
  strictBaud?: boolean;
  /** 'classic' wiring: how long after EN rises IO0 may still go low and count (default 10 ms, an RC
   *  delay). A port server (RFC 2217) sets it wider: each line change costs a network round trip. */
  strapWindowMs?: number;
  faults?: LoaderFaults;
  /** Erase and program take as long as on a real SPI NOR flash (FLASH_TIMING). Default true. */
  flashTiming?: boolean;
  onEvent?: (event: LoaderEvent) => void;
}

export type LoaderEvent =
  | { type: 'hold' }
  | { type: 'reset'; bootMode: EspBootMode; cause: 'reset' | 'software' }
  | { type: 'command'; op: number; command: string; state: LoaderState }
  | { type: 'error-reply'; op: number; command: string; code: number; failure: string; detail: string }
  | { type: 'stub-started'; entry: number }
  | { type: 'baud'; baud: number }
  | { type: 'erase'; offset: number; length: number }
  | { type: 'flash-begin'; offset: number; size: number; compressed: boolean }
  | { type: 'write'; offset: number; length: number }
  | { type: 'flash-end'; offset: number; written: number; complete: boolean }
  | { type: 'md5'; offset: number; size: number; digest: string }
  | { type: 'read'; offset: number; length: number }
  | { type: 'app'; reason: string }
  | { type: 'fault'; kind: 'drop' | 'bad-checksum' | 'timeout' | 'baud-mismatch'; detail: string };

export interface LoaderStats {
  /** Request packets parsed (including ignored and failed ones). */
  commands: number;
  byCommand: Record<string, number>;
  bytesReceived: number;
  bytesSent: number;
  /** Received while not listening (app running, reset held, baud mismatch). */
  bytesIgnored: number;
  /** Removed by the dropByteEvery fault. */
  bytesDropped: number;
  errorReplies: number;
  resets: number;
  downloadResets: number;
}

export interface VirtualLoader {
  readonly chip: ChipName;
  readonly facts: ChipFacts;
  /** Plug into createVirtualPort(path, loader.farEnd) or drive directly. */
  readonly farEnd: SerialFarEnd;
  /** The flash chip: 0xFF-erased at start, same array for the loader's lifetime. */
  readonly flash: Uint8Array;
  readonly mac: string;
  readonly state: LoaderState;
  /** The chip's UART speed now. */
  readonly baud: number;
  readonly stats: LoaderStats;
  /** Adds an event listener; returns its remover. */
  on(listener: (event: LoaderEvent) => void): () => void;
  /** Resets the chip as if EN was pulsed with IO0 low ('download') or high ('normal'). */
  reset(bootMode: EspBootMode): void;
  /** Stops the strap-window timer; call when done. */
  dispose(): void;
}
