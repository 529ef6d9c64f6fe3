// What a virtual board is given and what it reports (options, console lines, resets): the types
// tests, simulate and the serial far ends share with tools/sim/board.ts.
import type { ConnectTarget } from './sockets.ts';
import type { TemperatureScenario } from './temperature.ts';
import type { AccessPoint } from './wifi.ts';

export type ResetCause = 'power_on' | 'hard' | 'soft' | 'watchdog' | 'deepsleep';

export interface VirtualBoardOptions {
  /** Board name (console prefix); default: the build's device name. */
  name?: string;
  /** 12 hex digits; default: a random one per board instance (see newVirtualMac). */
  mac?: string;
  /** The access point in range; default: one that accepts any credentials. */
  accessPoint?: AccessPoint | null;
  /** How long joining Wi-Fi takes. */
  wifiConnectDelayMs?: number;
  /** Where the board's TCP connections really go (e.g. `--broker` redirects the configured broker). */
  connectTarget?: ConnectTarget;
  temperature?: TemperatureScenario;
  /** MicroPython heap; default: the board profile's. */
  heapBytes?: number;
  /** Console lines kept in memory (the newest). */
  consoleLimit?: number;
  /** false: answer raw-paste requests like firmware older than v1.14 (R\x00). */
  rawPaste?: boolean;
  /** Start with an empty filesystem, as a freshly flashed board (the build only picks the board type). */
  blank?: boolean;
  /** Raw-paste window in bytes (MicroPython's default is 128). */
  rawPasteWindow?: number;
}

/** MicroPython's banner fields, as an image carries them ("MicroPython v1.24.1 on 2024-11-29"). */
export interface FirmwareIdentity {
  version: string;
  date: string;
}

export interface ConsoleLine {
  board: string;
  line: string;
  stream: 'stdout' | 'stderr';
  at: number;
}

export interface ResetEvent {
  cause: ResetCause;
  at: number;
}

/** The host did not let the board run for `ms` (CPU starvation, a busy main thread): not a hang of the board. */
export interface HostStall {
  ms: number;
  /** What the board was doing: waiting as asked ('wait') or for the host's answer ('host call'). */
  during: string;
  at: number;
}

/** What a board's worker posts to the host (tools/sim/worker/board-worker.mjs). */
export type WorkerMessage =
  | { t: 'uart'; bytes: Uint8Array }
  | { t: 'call'; op: string; args: unknown[] }
  | { t: 'pin'; pin: number; value: boolean }
  | { t: 'event'; kind: string; [key: string]: unknown }
  | { t: 'reset'; cause: string; replMode: 'friendly' | 'raw'; files: Record<string, Uint8Array> }
  | { t: 'rtc'; baseMs: number }
  /** A change to the board's flash as it happens (see mirrorWrites in worker/files.mjs). */
  | FlashChange
  | { t: 'stopped' }
  | { t: 'crashed'; message: string };

/** A change to the board's flash, as the worker reports it. */
export type FlashChange =
  | { t: 'file'; path: string; contents: Uint8Array }
  | { t: 'unlink'; path: string }
  | { t: 'rename'; from: string; to: string }
  | { t: 'files'; files: Record<string, Uint8Array> };
