// What every virtual board shares: the compiled interpreter and the simulator's Python modules.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const workerFile = path.join(here, 'worker', 'board-worker.mjs');
export const pythonDir = path.join(here, 'python');

let wasmModule: Promise<WebAssembly.Module> | undefined;

/** Compiled once per process and handed to every worker, which shares its machine code. */
export function interpreterModule(): Promise<WebAssembly.Module> {
  if (!wasmModule) {
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
