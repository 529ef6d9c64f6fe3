// What every virtual board shares: the compiled interpreter and the simulator's Python modules.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

const here = path.dirname(fileURLToPath(import.meta.url));
export const workerFile = path.join(here, 'worker', 'board-worker.mjs');
export const pythonDir = path.join(here, 'python');

let wasmModule: Promise<WebAssembly.Module> | undefined;

/**
 * Compiled once per process and handed to every worker, which shares its machine code.
 *
 * Before the first board starts, V8 is told to favour memory over speed: a board's isolate is
 * mostly Node's own start-up heap (~7 MB of the ~10 MB a board costs), and this flag makes every
 * isolate started afterwards ~0.6 MB smaller, with no measurable loss for the boards (their
 * interpreter is WebAssembly, which the flag does not touch; see bench/fleet.ts). V8's flags are
 * per process: the flag also applies to the host's own heap from here on.
 */
export function interpreterModule(): Promise<WebAssembly.Module> {
  if (!wasmModule) {
    v8.setFlagsFromString('--optimize-for-size');
    const require = createRequire(import.meta.url);
    const entry = require.resolve('@micropython/micropython-webassembly-pyscript/micropython.mjs');
    wasmModule = WebAssembly.compile(readFileSync(path.join(path.dirname(entry), 'micropython.wasm')));
  }
  return wasmModule;
}

let shims: Record<string, Uint8Array> | undefined;

/** The simulator's hardware modules, placed under /sim on every virtual board. */
export function simulatorModules(): Record<string, Uint8Array> {
  if (!shims) {
    shims = {};
    const walk = (dir: string, prefix: string): void => {
      for (const entry of readdirSync(dir)) {
        const full = path.join(dir, entry);
        if (statSync(full).isDirectory()) walk(full, `${prefix}${entry}/`);
        else if (entry.endsWith('.py')) shims![`sim/${prefix}${entry}`] = readFileSync(full);
      }
    };
    walk(pythonDir, '');
  }
  return shims;
}
