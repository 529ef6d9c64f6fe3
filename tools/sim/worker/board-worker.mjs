// One virtual board: the real MicroPython interpreter (WebAssembly) running a build's files.
//
// Plain JavaScript on purpose: a worker per board must start fast and small, without the
// TypeScript loader. Python calls that block on a real board (sleep, socket I/O, Wi-Fi connect)
// block this thread with Atomics.wait while the host does the real work, so an idle board costs
// no CPU. A reset ends this worker; the host starts a new one with the files this one leaves.
import { parentPort, workerData } from 'node:worker_threads';
import { HEADER_BYTES, READY_BASE, READY_SLOTS, SIGNAL, SLOT, SLOT_COUNT, WIFI_STATUS } from '../protocol.mjs';

const { sab, wasmModule, boot } = workerData;
const ctrl = new Int32Array(sab, 0, SLOT_COUNT);
const data = new Uint8Array(sab, HEADER_BYTES);
const decoder = new TextDecoder();

// Every board shares one compiled WebAssembly.Module (compiled once by the host): the loader reads
// the .wasm file and instantiates it, so hand it the shared module instead of compiling again.
const instantiate = WebAssembly.instantiate.bind(WebAssembly);
WebAssembly.instantiate = async (_source, imports) => ({ instance: await instantiate(wasmModule, imports), module: wasmModule });

/** Thrown through the interpreter to end this boot: Python cannot catch a JavaScript exception. */
class BoardSignal extends Error {
  constructor(kind, cause) {
    super(`board ${kind}${cause ? ` (${cause})` : ''}`);
    this.kind = kind;
    this.cause = cause;
  }
}

const post = (message) => parentPort.postMessage(message);
let watchdog = null;
let mp = null;

function checkSignals() {
  const stall = Atomics.exchange(ctrl, SLOT.stallMs, 0);
  if (stall > 0) Atomics.wait(ctrl, SLOT.wake, 0, stall);
  const signal = Atomics.load(ctrl, SLOT.signal);
  if (signal & SIGNAL.stop) throw new BoardSignal('stop');
  if (signal & SIGNAL.reset) throw new BoardSignal('reset', 'hard');
  if (signal & SIGNAL.interrupt) {
    Atomics.and(ctrl, SLOT.signal, ~SIGNAL.interrupt);
    mp?._module._mp_sched_keyboard_interrupt();
  }
  if (watchdog && Date.now() - watchdog.fedAt > watchdog.timeoutMs) throw new BoardSignal('reset', 'watchdog');
}

/** Sleeps in short slices so signals and the watchdog are noticed while idle. */
function sleepMs(ms) {
  const until = Date.now() + Math.max(0, Number(ms) || 0);
  checkSignals();
  for (let left = until - Date.now(); left > 0; left = until - Date.now()) {
    Atomics.wait(ctrl, SLOT.wake, 0, Math.min(left, 50));
    Atomics.store(ctrl, SLOT.wake, 0);
    checkSignals();
  }
}

/** A blocking call into the host: the reply arrives in the shared buffer as JSON. */
function hostCall(op, ...args) {
  checkSignals();
  if (op === 'sock_recv' && args[2] === 0 && Atomics.load(ctrl, READY_BASE + (args[0] % READY_SLOTS)) === 0) return { r: -1, s: 'EAGAIN' };
  Atomics.store(ctrl, SLOT.reply, 0);
  post({ t: 'call', op, args });
  while (Atomics.wait(ctrl, SLOT.reply, 0, 50) === 'timed-out') checkSignals();
  const reply = JSON.parse(decoder.decode(data.slice(0, Atomics.load(ctrl, SLOT.replyLength))));
  if (reply.d !== undefined) reply.d = new Uint8Array(Buffer.from(reply.d, 'base64'));
  return reply;
}

/** The `_host` module the Python shims are written against. */
const host = {
  call: hostCall,
  sleep_ms: sleepMs,
  mac: () => boot.mac,
  board: () => boot.board.id,
  chip: () => boot.board.chip,
  temperature_source: () => boot.board.temperatureSource ?? '',
  reset_cause: () => boot.resetCause,
  boot_count: () => boot.bootCount,
  wifi_status: () => WIFI_STATUS[Atomics.load(ctrl, SLOT.wifiStatus)],
  now_ms: () => Date.now(),
  wdt_start: (timeoutMs) => {
    watchdog = { timeoutMs: Number(timeoutMs) || boot.board.fixedWatchdogMs, fedAt: Date.now() };
    post({ t: 'event', kind: 'watchdog', timeoutMs: watchdog.timeoutMs });
  },
  wdt_feed: () => {
    if (watchdog) watchdog.fedAt = Date.now();
  },
  pin: (pin, value) => post({ t: 'pin', pin, value: Boolean(value) }),
  reset: (cause) => {
    throw new BoardSignal('reset', String(cause));
  },
};

function writeTree(FS, files) {
  for (const [file, contents] of Object.entries(files)) {
    let dir = '';
    for (const part of file.split('/').slice(0, -1)) {
      dir += '/' + part;
      if (!FS.analyzePath(dir).exists) FS.mkdir(dir);
    }
    FS.writeFile('/' + file, contents);
  }
}

/** The board's own files (everything but the simulator's modules and Emscripten's folders). */
function readTree(FS, dir = '/', out = {}) {
  for (const name of FS.readdir(dir)) {
    if (name === '.' || name === '..') continue;
    const full = dir === '/' ? `/${name}` : `${dir}/${name}`;
    if (dir === '/' && ['dev', 'proc', 'tmp', 'home', 'sim'].includes(name)) continue;
    const stat = FS.stat(full);
    if (FS.isDir(stat.mode)) readTree(FS, full, out);
    else out[full.slice(1)] = FS.readFile(full);
  }
  return out;
}

const PRELUDE = `
import sys, time, os, _host
sys.path[:] = ['', '/sim', '/lib']
# The port's own time.sleep busy-waits a whole core: sleep on the host instead.
time.sleep_ms = _host.sleep_ms
time.sleep = lambda s: _host.sleep_ms(int(s * 1000))
time.sleep_us = lambda us: _host.sleep_ms(us // 1000)
os.chdir('/')
`;

/** Runs one file as the board does (boot.py, then main.py): a traceback is printed, not fatal. */
function runFile(name, FS) {
  if (!FS.analyzePath('/' + name).exists) return;
  try {
    mp.runPython(`exec(compile(open(${JSON.stringify(name)}).read(), ${JSON.stringify(name)}, 'exec'), {'__name__': '__main__'})`);
  } catch (error) {
    if (error instanceof BoardSignal) throw error;
    if (error?.name !== 'PythonError') throw error;
    for (const line of String(error.message).replace(/\n$/, '').split('\n')) post({ t: 'console', line, stream: 'stderr' });
    post({ t: 'event', kind: 'exception', file: name, type: error.type });
  }
}

async function main() {
  const { loadMicroPython } = await import('@micropython/micropython-webassembly-pyscript');
  mp = await loadMicroPython({
    heapsize: boot.heapBytes,
    stdout: (line) => post({ t: 'console', line, stream: 'stdout' }),
    stderr: (line) => post({ t: 'console', line, stream: 'stderr' }),
  });
  mp.registerJsModule('_host', host);
  writeTree(mp.FS, boot.files);
  writeTree(mp.FS, boot.shims);
  mp.runPython(PRELUDE);
  post({ t: 'event', kind: 'boot', cause: boot.resetCause, bootCount: boot.bootCount });
  try {
    runFile('boot.py', mp.FS);
    runFile('main.py', mp.FS);
    // main.py returned: a real board drops to the REPL and waits.
    post({ t: 'event', kind: 'idle' });
    for (;;) sleepMs(1000);
  } catch (error) {
    if (!(error instanceof BoardSignal)) throw error;
    if (error.kind === 'reset') post({ t: 'reset', cause: error.cause, files: readTree(mp.FS) });
    else post({ t: 'stopped' });
  }
}

main().catch((error) => post({ t: 'crashed', message: String(error?.stack ?? error) }));
