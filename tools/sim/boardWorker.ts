// Starts the worker thread that runs one boot of a virtual board: what the interpreter gets at boot
// (files, identity, chip facts) and the limits that keep a board's isolate small.
import { SHARE_ENV, Worker } from 'node:worker_threads';
import type { BoardProfile } from '../boards/index.ts';
import type { FirmwareIdentity, ResetCause, VirtualBoardOptions } from './boardTypes.ts';
import { interpreterModule, simulatorModules, workerFile } from './runtime.ts';
import { hostClock } from './supervisor.ts';

export interface BootSpec {
  sab: SharedArrayBuffer;
  mac: string;
  cause: ResetCause;
  bootCount: number;
  board: BoardProfile;
  options: Pick<VirtualBoardOptions, 'heapBytes' | 'rawPaste' | 'rawPasteWindow'>;
  rtcBaseMs: number;
  softReboot: boolean;
  files: Record<string, Uint8Array>;
  firmware: FirmwareIdentity | undefined;
  replMode: 'friendly' | 'raw';
}

export async function startBoardWorker(spec: BootSpec): Promise<Worker> {
  const { board, options } = spec;
  return new Worker(workerFile, {
    workerData: {
      sab: spec.sab,
      hostClock: hostClock(),
      wasmModule: await interpreterModule(),
      boot: {
        mac: spec.mac,
        resetCause: spec.cause,
        bootCount: spec.bootCount,
        heapBytes: options.heapBytes ?? board.heapBytes,
        // The littlefs partition of the stock image: ~2 MiB on a 4 MB ESP32, ~1 MiB on an ESP8266.
        fsBytes: board.chip === 'ESP8266' ? 1024 * 1024 : 2 * 1024 * 1024,
        cpuMhz: board.chip === 'ESP8266' ? 80 : 160,
        rtcBaseMs: spec.rtcBaseMs,
        softReboot: spec.softReboot,
        board: {
          id: board.id,
          chip: board.chip,
          temperatureSource: board.temperature.source,
          // ESP8266's fixed hardware watchdog period (its WDT() takes no timeout).
          fixedWatchdogMs: 6000,
        },
        files: spec.files,
        ...(spec.firmware ? { firmware: spec.firmware } : {}),
        shims: simulatorModules(),
        replMode: spec.replMode,
        rawPaste: options.rawPaste !== false,
        rawPasteWindow: options.rawPasteWindow,
      },
    },
    // The interpreter needs little JavaScript heap (~6 MB used): keep each board's isolate small.
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 1, stackSizeMb: 1 },
    // Not the host's flags: under `node --import tsx` every worker loaded the TypeScript loader
    // again (~2 MB of JavaScript heap per board) for a plain-JavaScript worker.
    execArgv: [],
    // One environment for every board (a worker copies the host's by default).
    env: SHARE_ENV,
  });
}
