// One virtual board: the real MicroPython interpreter (WebAssembly) running a build's files.
//
// Plain JavaScript on purpose: a worker per board must start fast and small, without the
// TypeScript loader. Python calls that block on a real board (sleep, socket I/O, Wi-Fi connect)
// block this thread with Atomics.wait while the host does the real work, so an idle board costs
// no CPU. A reset ends this worker; the host starts a new one with the files this one leaves.
import { parentPort, workerData } from 'node:worker_threads';
import { DATA_BYTES, HEADER_BYTES, INPUT_BYTES, READY_BASE, READY_SLOTS, SIGNAL, SLOT, SLOT_COUNT, WIFI_STATUS } from '../protocol.mjs';
import { createBoardClock } from './boardClock.mjs';
import { mirrorWrites, readTree, writeTree } from './files.mjs';
import { createHeap } from './heap.mjs';
import { createRepl } from './repl.mjs';

const { sab, wasmModule, boot, hostClock } = workerData;
const ctrl = new Int32Array(sab, 0, SLOT_COUNT);
const data = new Uint8Array(sab, HEADER_BYTES, DATA_BYTES);
const input = new Uint8Array(sab, HEADER_BYTES + DATA_BYTES, INPUT_BYTES);
const decoder = new TextDecoder();
const encoder = new TextEncoder();

// Every board shares one compiled WebAssembly.Module (compiled once by the host): the loader reads
// the .wasm file and instantiates it, so hand it the shared module instead of compiling again.
// The interpreter asks the host for ticks_ms often, even in tight loops: that import is where a
// running program notices Ctrl-C, its watchdog and the host's signals.
// Hard ceiling for one allocation far beyond the board's heap (see heap.mjs).
const heap = createHeap({ slackBytes: 8 * 1024 * 1024 });
let wasmInstance = null;
const instantiate = WebAssembly.instantiate.bind(WebAssembly);
WebAssembly.instantiate = async (_source, imports) => {
  heap.hookImports(imports);
  const ticks = imports.env.mp_js_ticks_ms;
  let lastPoll = 0;
  imports.env.mp_js_ticks_ms = () => {
    const now = Date.now();
    if (now - lastPoll >= 10) {
      lastPoll = now;
      pollWhileRunning();
      checkSignals();
    }
    return ticks();
  };
  wasmInstance = await instantiate(wasmModule, imports);
  return { instance: wasmInstance, module: wasmModule };
};

// ---- UART: everything the board prints, byte for byte, flushed to the host in chunks ----
let uart = [];
let uartBytes = 0;
function uartWrite(bytes) {
  uart.push(bytes);
  uartBytes += bytes.length;
  if (uartBytes >= 1024) flushUart();
}
/** When output last went to the host, and whether it ended inside a line. */
let flushedAt = 0;
let lineOpen = false;
function flushUart() {
  if (uartBytes === 0) return;
  const out = new Uint8Array(uartBytes);
  let at = 0;
  for (const chunk of uart) {
    out.set(chunk, at);
    at += chunk.length;
  }
  uart = [];
  uartBytes = 0;
  flushedAt = performance.now();
  lineOpen = out[out.length - 1] !== 10;
  post({ t: 'uart', bytes: out });
}
/** Output sent after a quiet spell, or finishing the line that was, goes out at once: what a
 *  program prints right before it hangs (a loop that never sleeps nor calls the host) is seen, as
 *  on a real board. Output of a program printing all the time goes out every UART_CHUNK_MS. */
const UART_CHUNK_MS = 10;
function flushSoon() {
  if (uartBytes === 0) return;
  const last = uart[uart.length - 1];
  if (performance.now() - flushedAt >= UART_CHUNK_MS || (lineOpen && last[last.length - 1] === 10)) flushUart();
}
const uartText = (text) => uartWrite(encoder.encode(text));
/** Python's output is "cooked" as on a board's UART: \n goes out as \r\n. */
const cooked = (bytes) => {
  for (const b of bytes) uartWrite(b === 10 ? new Uint8Array([13, 10]) : new Uint8Array([b]));
  flushSoon();
};

// ---- Serial input: a ring the host fills; bytes not yet handled wait in `pending` ----
let pending = [];
function takeInput() {
  const head = Atomics.load(ctrl, SLOT.inputHead);
  let tail = Atomics.load(ctrl, SLOT.inputTail);
  if (head === tail) return 0;
  for (; tail !== head; tail = (tail + 1) | 0) pending.push(input[((tail % INPUT_BYTES) + INPUT_BYTES) % INPUT_BYTES]);
  Atomics.store(ctrl, SLOT.inputTail, tail);
  return 1;
}
/** micropython.kbd_intr(): the byte that interrupts a running program (-1: none, e.g. mpremote mount). */
let interruptChar = 0x03;
/** While a program runs, Ctrl-C raises KeyboardInterrupt in it; what follows waits for the REPL. */
function pollWhileRunning() {
  if (!takeInput() || interruptChar < 0) return;
  const at = pending.lastIndexOf(interruptChar);
  if (at >= 0) {
    pending = pending.slice(at + 1);
    mp?._module._mp_sched_keyboard_interrupt();
  }
}

/** Thrown through the interpreter to end this boot: Python cannot catch a JavaScript exception. */
class BoardSignal extends Error {
  constructor(kind, cause, replMode) {
    super(`board ${kind}${cause ? ` (${cause})` : ''}`);
    this.kind = kind;
    this.cause = cause;
    /** After a soft reboot: the REPL the board returns to (main.py runs only from the friendly one). */
    this.replMode = replMode;
  }
}

const post = (message) => parentPort.postMessage(message);
/** machine.WDT: its period runs on board time (see boardClock.mjs), not on the host's wall clock. */
let watchdog = null;
let mp = null;
const clock = createBoardClock({
  ctrl,
  slots: SLOT,
  hostClock,
  onStall: (ms, during) => post({ t: 'event', kind: 'host-stall', ms, during }),
});
Atomics.store(ctrl, SLOT.watchdogLeftMs, -1);

/** Waits on a shared slot for at most `ms`, counting the wait as one the board asked for. */
function waitOn(slot, value, ms) {
  const since = clock.stamp();
  Atomics.wait(ctrl, slot, value, ms);
  clock.waited(since, ms);
}

function checkSignals() {
  const stall = Atomics.exchange(ctrl, SLOT.stallMs, 0);
  if (stall > 0) {
    Atomics.wait(ctrl, SLOT.wake, 0, stall);
    clock.hung(stall);
  }
  const signal = Atomics.load(ctrl, SLOT.signal);
  if (signal & SIGNAL.stop) throw new BoardSignal('stop');
  if (signal & SIGNAL.reset) throw new BoardSignal('reset', 'hard');
  if (watchdog) {
    const left = watchdog.timeoutMs - (clock.now() - watchdog.fedAt);
    Atomics.store(ctrl, SLOT.watchdogLeftMs, Math.max(0, Math.floor(left)));
    if (left < 0) {
      // What the expired period was made of: the board's own (the event a bench or test can read).
      post({ t: 'event', kind: 'watchdog-expired', timeoutMs: watchdog.timeoutMs, fedAtMs: Math.round(watchdog.fedAt), ...clock.breakdown() });
      throw new BoardSignal('reset', 'watchdog');
    }
  }
  // The host's supervisor sees the board check in; a board busy without checking in is judged by its CPU time.
  Atomics.add(ctrl, SLOT.beat, 1);
}

/**
 * A start or feed is a check-in: the supervisor sees a full period left from here. Without it a
 * board that only feeds (`while True: wdt.feed()`) is judged by a stale time left and bitten, and
 * one that hangs straight after WDT() (time left still -1: no watchdog) is never bitten.
 */
function watchdogCheckIn() {
  Atomics.store(ctrl, SLOT.watchdogLeftMs, watchdog.timeoutMs);
  Atomics.add(ctrl, SLOT.beat, 1);
}

/** Sleeps in short slices so signals and the watchdog are noticed while idle. */
function sleepMs(ms) {
  const until = Date.now() + Math.max(0, Number(ms) || 0);
  flushUart();
  pollWhileRunning();
  checkSignals();
  for (let left = until - Date.now(); left > 0; left = until - Date.now()) {
    waitOn(SLOT.wake, 0, Math.min(left, 50));
    Atomics.store(ctrl, SLOT.wake, 0);
    pollWhileRunning();
    checkSignals();
  }
}

/** A blocking call into the host: the reply arrives in the shared buffer as JSON. */
function hostCall(op, ...args) {
  flushUart();
  pollWhileRunning();
  checkSignals();
  if (op === 'sock_recv' && args[2] === 0 && Atomics.load(ctrl, READY_BASE + (args[0] % READY_SLOTS)) === 0) return { r: -1, s: 'EAGAIN' };
  Atomics.store(ctrl, SLOT.reply, 0);
  clock.callPosted();
  const since = clock.stamp();
  post({ t: 'call', op, args });
  // A signal (stop, reset) also notifies this slot to wake the wait: only reply == 1 is an answer;
  // anything else is handled by checkSignals (which throws the signal) before waiting again.
  while (Atomics.load(ctrl, SLOT.reply) === 0) {
    Atomics.wait(ctrl, SLOT.reply, 0, 50);
    pollWhileRunning();
    checkSignals();
  }
  clock.callAnswered(since);
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
  // Whole seconds: a JavaScript integer reaches Python as 32 bits, so milliseconds since 1970 would not.
  now_s: () => Math.floor(Date.now() / 1000),
  /** The board's RTC in seconds since 2000-01-01 (near 0 after power-on until ntptime sets it). */
  rtc_s: () => Math.floor((Date.now() - rtcBaseMs) / 1000),
  /** Sets the RTC to the host's real time (UTC): what ntptime.settime() gets from an NTP server. */
  rtc_set_now: () => setRtc(Date.now() - UNIX_2000_MS),
  rtc_set: (seconds) => setRtc(Number(seconds) * 1000),
  ticks_us: () => Math.floor(performance.now() * 1000) & TICKS_MASK,
  ticks_cpu: () => Math.floor(performance.now() * 1000 * boot.cpuMhz) & TICKS_MASK,
  spin_us: (us) => {
    const until = performance.now() + Number(us) / 1000;
    while (performance.now() < until);
  },
  heap_bytes: () => boot.heapBytes,
  /** "v1.24.1 on 2024-11-29" from the flashed image's banner; the simulator's own by default. */
  firmware: () => (boot.firmware ? `${boot.firmware.version} on ${boot.firmware.date}` : 'v1.27.0 on 2026-01-01'),
  fs_bytes: () => boot.fsBytes,
  gc_collect: () => heap.collect(),
  gc_learn: () => heap.learnSafe(),
  soft_reboot: () => Boolean(boot.softReboot),
  kbd_intr: (c) => {
    interruptChar = Number(c);
  },
  /** select.poll() on sys.stdin: waits up to ms (negative: forever) for serial input. */
  uart_wait: (ms) => waitUart(Number(ms)),
  /** Serial input for sys.stdin and input(): waits for at least one byte, returns up to n. */
  uart_read: (n) => readUart(Number(n)),
  /** sys.stdout(.buffer).write: hex-encoded bytes, \n cooked to \r\n for text. */
  uart_write: (hex, cook) => {
    const bytes = Buffer.from(String(hex), 'hex');
    if (cook) cooked(bytes);
    else {
      uartWrite(new Uint8Array(bytes));
      flushSoon();
    }
  },
  wdt_start: (timeoutMs) => {
    watchdog = { timeoutMs: Number(timeoutMs) || boot.board.fixedWatchdogMs, fedAt: clock.now() };
    post({ t: 'event', kind: 'watchdog', timeoutMs: watchdog.timeoutMs });
    watchdogCheckIn();
  },
  wdt_feed: () => {
    if (!watchdog) return;
    watchdog.fedAt = clock.now();
    watchdogCheckIn();
  },
  pin: (pin, value) => post({ t: 'pin', pin, value: Boolean(value) }),
  reset: (cause) => {
    flushUart();
    throw new BoardSignal('reset', String(cause));
  },
};

const UNIX_2000_MS = 946684800000;
const TICKS_MASK = 2 ** 30 - 1;
let rtcBaseMs = boot.rtcBaseMs ?? Date.now();
function setRtc(boardMs) {
  rtcBaseMs = Date.now() - boardMs;
  post({ t: 'rtc', baseMs: rtcBaseMs });
}

function waitUart(ms) {
  flushUart();
  const until = ms < 0 ? Infinity : Date.now() + ms;
  for (;;) {
    takeInput();
    if (pending.length > 0) return true;
    const left = until - Date.now();
    if (left <= 0) return false;
    const head = Atomics.load(ctrl, SLOT.inputHead);
    if (head === Atomics.load(ctrl, SLOT.inputTail)) waitOn(SLOT.inputHead, head, Math.min(left, 50));
    pollWhileRunning();
    checkSignals();
  }
}

function readUart(n) {
  flushUart();
  for (;;) {
    if (pending.length === 0) takeInput();
    if (pending.length > 0) return new Uint8Array(pending.splice(0, Math.max(1, n)));
    const head = Atomics.load(ctrl, SLOT.inputHead);
    if (head === Atomics.load(ctrl, SLOT.inputTail)) waitOn(SLOT.inputHead, head, 50);
    if (interruptChar >= 0 && takeInput() && pending.includes(interruptChar)) {
      pending = pending.slice(pending.lastIndexOf(interruptChar) + 1);
      mp._module._mp_sched_keyboard_interrupt();
      return new Uint8Array(0);
    }
    checkSignals();
  }
}

// Makes the interpreter look like the board's port (see the _v*.py modules), then loads every
// simulator module, which a real board has frozen in flash, so the board's heap budget counts
// only what the board's own program allocates.
const PRELUDE = `
import sys, os
# binascii is C on the ports; this build also freezes a slower Python one that rejects str input.
sys.path[:] = []
import binascii
sys.modules['binascii'] = binascii
del binascii
sys.path[:] = ['', '.frozen', '/lib', '/sim']
os.chdir('/')
import _vsys, _vtime, _vfs, _vheap, _verrno, _vselect, _vmissing
sys.modules['gc'] = _vheap
sys.modules['errno'] = _verrno
sys.modules['select'] = _vselect
_vsys.install()
_vmissing.install()
import machine, network, socket, ssl, esp, ntptime, umqtt.simple, dht, onewire, ds18x20, neopixel
if _vsys.platform == 'esp32':
    import esp32
del machine, network, socket, ssl, esp, ntptime, umqtt, dht, onewire, ds18x20, neopixel
# The simulator's asyncio, not this build's frozen one (driven by a JavaScript event loop, which
# never runs while a board blocks on the host).
sys.path[:] = ['/sim']
import asyncio
del asyncio
del _vsys, _vtime, _vfs, _verrno, _vselect, _vmissing
sys.path[:] = ['', '.frozen', '/lib']
_vheap.probe()
exec(compile('_vheap.probe()', 'probe', 'exec'), {'_vheap': _vheap})
exec(compile('_vheap.probe()', '<stdin>', 'single'), {'_vheap': _vheap})
_vheap.settle()
del _vheap, sys, os
`;

/** Runs Python; an uncaught exception comes back as its traceback text (\r\n line ends). */
function runPython(code) {
  try {
    mp.runPython(code);
    return null;
  } catch (error) {
    if (error instanceof BoardSignal || error?.name !== 'PythonError') throw error;
    return { type: error.type, text: String(error.message).replace(/\r?\n/g, '\r\n') };
  }
}

/** Runs one file as the board does (boot.py, then main.py): a traceback is printed, not fatal. */
function runFile(name, FS) {
  if (!FS.analyzePath('/' + name).exists) return;
  const error = runPython(`exec(compile(open(${JSON.stringify(name)}).read(), ${JSON.stringify(name)}, 'exec'), {'__name__': '__main__'})`);
  if (error) {
    uartText(error.text);
    post({ t: 'event', kind: 'exception', file: name, type: error.type });
  }
}

function replExec(code, kind) {
  if (kind === 'single') {
    // 'single' prints the value of an expression statement, as the friendly REPL does.
    mp.globals.set('_repl_src', code);
    return runPython("exec(compile(_repl_src, '<stdin>', 'single'))")?.text ?? null;
  }
  return runPython(code)?.text ?? null;
}

/** After main.py: the REPL reads the serial input until a reset ends this interpreter. */
function serveRepl(startMode) {
  const repl = createRepl({
    write: (out) => uartWrite(typeof out === 'string' ? encoder.encode(out) : out),
    exec: replExec,
    softReset: (mode) => {
      uartText('MPY: soft reboot\r\n');
      flushUart();
      throw new BoardSignal('reset', 'soft_reboot', mode);
    },
    banner: `MicroPython ${boot.firmware ? `${boot.firmware.version} on ${boot.firmware.date}` : 'v1.27.0 on 2026-01-01'}; ${boot.board.chip === 'ESP8266' ? 'ESP module' : `Generic ${boot.board.chip} module`} with ${boot.board.chip}`,
    rawPaste: boot.rawPaste !== false,
    window: boot.rawPasteWindow,
  });
  repl.start(startMode);
  for (;;) {
    flushUart();
    while (pending.length > 0) repl.feed(pending.shift());
    flushUart();
    const head = Atomics.load(ctrl, SLOT.inputHead);
    if (head === Atomics.load(ctrl, SLOT.inputTail)) waitOn(SLOT.inputHead, head, 50);
    if (takeInput()) repl.newBatch();
    checkSignals();
  }
}

async function main() {
  const { loadMicroPython } = await import('@micropython/micropython-webassembly-pyscript');
  // stdin: the serial port is read through sys.stdin (_vsys.py); the interpreter's own reads of
  // file descriptor 0 see end of file instead of blocking on the host's terminal.
  mp = await loadMicroPython({ heapsize: boot.heapBytes, linebuffer: false, stdin: () => null, stdout: cooked, stderr: cooked });
  heap.attach(wasmInstance, mp);
  heap.findDepthWord();
  mp.registerJsModule('_host', host);
  writeTree(mp.FS, boot.files);
  writeTree(mp.FS, boot.shims);
  mp.runPython(PRELUDE);
  mirrorWrites(mp.FS, post);
  heap.cap();
  post({ t: 'event', kind: 'boot', cause: boot.resetCause, bootCount: boot.bootCount, threadId: clock.tid });
  const replMode = boot.replMode ?? 'friendly';
  try {
    runFile('boot.py', mp.FS);
    // As in the ports' main.c: main.py runs only when the board is in (or returns to) the friendly REPL.
    if (replMode === 'friendly') runFile('main.py', mp.FS);
    post({ t: 'event', kind: 'idle' });
    serveRepl(replMode);
  } catch (error) {
    if (!(error instanceof BoardSignal)) throw error;
    flushUart();
    if (error.kind === 'reset') post({ t: 'reset', cause: error.cause, replMode: error.replMode ?? 'friendly', files: readTree(mp.FS) });
    else post({ t: 'stopped' });
  }
}

main().catch((error) => post({ t: 'crashed', message: String(error?.stack ?? error) }));
