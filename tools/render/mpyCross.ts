// Compile check and .mpy output through mpy-cross (ABI v6, loads on MicroPython 1.19+) in WebAssembly.
//
// The package's own compile() loads its wasm through a default loader that trips over Node's global
// fetch, so we call the Emscripten factory ourselves with an already compiled WebAssembly.Module.
// Each factory call also installs process 'uncaughtException'/'unhandledRejection' listeners that
// rethrow; we remove whatever a call added so a long build never accumulates them.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { MpyCrossError } from './errors.ts';

/** Native-emitter targets of the boards we support: ESP8266, ESP32 (+S2/S3), ESP32-C3. */
export type MpyArch = 'xtensa' | 'xtensawin' | 'rv32imc';

export interface CompileOptions {
  /**
   * Architecture for `@micropython.native`/`viper` code. Plain bytecode does not depend on it (the
   * .mpy header only records an arch when native code is present). Archs this mpy-cross build does
   * not know (rv32imc) compile without -march: fine for bytecode, while native code is then
   * rejected by mpy-cross with a compile error instead of producing a wrong binary.
   * Native code from this mpy-cross carries .mpy sub-version 0, which newer firmware refuses
   * (verified on 1.27: "incompatible .mpy file"); bytecode has no such check and loads there fine.
   */
  arch?: MpyArch | null;
}

export interface CompileError {
  file: string;
  /** 1-based line, or null when mpy-cross reported no location (e.g. MemoryError). */
  line: number | null;
  /** Exception type and text as mpy-cross printed it, e.g. `SyntaxError: invalid syntax`. */
  message: string;
}

export type CompileResult = { ok: true; mpy: Uint8Array } | { ok: false; errors: CompileError[] };

/** -march values accepted by this mpy-cross build (from its usage text), limited to our boards. */
export const supportedArchs: ReadonlySet<MpyArch> = new Set<MpyArch>(['xtensa', 'xtensawin']);

/** Name of the input inside mpy-cross's in-memory file system; the caller's name may hold folders that do not exist there. */
const virtualInputName = 'input.py';

/** Compiles one Python file to .mpy bytes, or reports where and why it does not compile. */
export function compilePython(fileName: string, source: string, options: CompileOptions = {}): Promise<CompileResult> {
  const args: string[] = [];
  if (options.arch && supportedArchs.has(options.arch)) args.push(`-march=${options.arch}`);
  // -s embeds the caller's name, so tracebacks on the device name the file as deployed.
  args.push('-s', fileName, virtualInputName);
  return serialized(async () => {
    const run = await runMpyCross(args, source);
    if (run.status === 0 && run.mpy) return { ok: true, mpy: run.mpy };
    return { ok: false, errors: [parseFailure(fileName, [...run.err, ...run.out])] };
  });
}

interface RawRun {
  status: number;
  mpy: Uint8Array | undefined;
  out: string[];
  err: string[];
}

interface EmscriptenOptions {
  arguments: string[];
  inputFileContents: string;
  instantiateWasm(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance) => void): object;
  print(line: string): void;
  printErr(line: string): void;
  onAbort(reason: unknown): void;
  callback(status: number, mpy: Uint8Array | undefined, out: string[], err: string[]): void;
}

type MpyCrossFactory = (options: EmscriptenOptions) => Promise<unknown>;

let loaded: { factory: MpyCrossFactory; wasm: WebAssembly.Module } | undefined;

function loadMpyCross(): { factory: MpyCrossFactory; wasm: WebAssembly.Module } {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    const buildDir = path.dirname(require.resolve('@pybricks/mpy-cross-v6'));
    const factory = require(path.join(buildDir, 'mpy-cross-v6.js')) as MpyCrossFactory;
    // Compiling the wasm once saves most of the per-call cost; each call still gets a fresh instance.
    const wasm = new WebAssembly.Module(readFileSync(path.join(buildDir, 'mpy-cross-v6.wasm')));
    loaded = { factory, wasm };
  }
  return loaded;
}

function runMpyCross(args: string[], source: string): Promise<RawRun> {
  const { factory, wasm } = loadMpyCross();
  return new Promise<RawRun>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      outcome();
    };
    const fail = (message: string, cause?: unknown): void => finish(() => reject(new MpyCrossError(message, { cause })));
    const listenersBefore = snapshotProcessListeners();
    try {
      const ready = factory({
        arguments: args,
        inputFileContents: source,
        instantiateWasm(imports, receive) {
          WebAssembly.instantiate(wasm, imports)
            .then(receive)
            .catch((error: unknown) => fail('mpy-cross did not start', error));
          return {}; // Emscripten's signal that instantiation continues asynchronously.
        },
        print: () => {},
        printErr: () => {},
        onAbort: (reason) => fail(`mpy-cross aborted: ${String(reason)}`),
        callback: (status, mpy, out, err) => finish(() => resolve({ status, mpy, out, err })),
      });
      // `ready` resolves just before main() runs synchronously; by the time this reaction runs,
      // main has called back unless it died without a word.
      ready.then(
        () => fail('mpy-cross exited without reporting a result'),
        (error: unknown) => fail('mpy-cross failed to start', error),
      );
    } catch (error) {
      fail('mpy-cross failed to start', error);
    } finally {
      removeAddedProcessListeners(listenersBefore);
    }
  });
}

const guardedEvents = ['uncaughtException', 'unhandledRejection'];
type Listener = (...args: unknown[]) => void;
type ListenerSnapshot = Map<string, Set<Listener>>;
// Seen as a plain emitter so both events share one code path (process's typed overloads do not take a union).
const processEvents: NodeJS.EventEmitter = process;

function snapshotProcessListeners(): ListenerSnapshot {
  return new Map(guardedEvents.map((event) => [event, new Set(processEvents.listeners(event) as Listener[])]));
}

function removeAddedProcessListeners(before: ListenerSnapshot): void {
  for (const event of guardedEvents) {
    const existing = before.get(event) ?? new Set();
    for (const listener of processEvents.listeners(event) as Listener[]) {
      if (!existing.has(listener)) processEvents.removeListener(event, listener);
    }
  }
}

// One instance at a time: the listener snapshot above is only exact when no other call is in flight.
let queueTail: Promise<unknown> = Promise.resolve();

function serialized<T>(task: () => Promise<T>): Promise<T> {
  const result = queueTail.then(task, task);
  queueTail = result.catch(() => undefined);
  return result;
}

/**
 * mpy-cross stops at the first error and prints a traceback such as
 * `Traceback (most recent call last):` / `  File "input.py", line 3` / `SyntaxError: invalid syntax`,
 * or only the last line when it has no location (`MemoryError: …`).
 */
function parseFailure(fileName: string, lines: string[]): CompileError {
  let line: number | null = null;
  let message = '';
  for (const raw of lines) {
    const text = raw.trim();
    if (text === '' || text.startsWith('Traceback (most recent call last)')) continue;
    const location = /^File ".*", line (\d+)/.exec(text);
    if (location) line = Number(location[1]);
    else message = text;
  }
  return { file: fileName, line, message: message || 'mpy-cross failed without a message' };
}
