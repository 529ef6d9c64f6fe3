// The board's GC heap, as far as this interpreter build allows.
//
// The WebAssembly port grows its GC heap on demand (split heap) and never collects while Python
// runs: it cannot see pointers held in WebAssembly locals, so gc.collect() only marks a collection
// as pending until control is back in JavaScript at the top level. A board running main.py for
// hours would therefore grow without bound, and MemoryError would never happen.
//
// Two fixes, both on the unmodified interpreter:
// - Collections at safe points: when Python calls into the host (sleep, socket I/O, gc.collect)
//   through Python frames only, everything live is reachable from those frames (on the
//   interpreter's pystack) or globals, so the pending collection can run. Which interpreter
//   functions such a call passes through is learnt at boot from probe calls (_vheap.probe); a
//   host call reached through any other C function (e.g. list(generator)) skips the collection.
//   The interpreter runs a pending collection when its external-call depth goes from 0 to 1; we
//   find that counter once (the word that reads 1, then 2 in a nested call) and zero it around an
//   empty exec.
// - A hard ceiling: the allocator's free space is used up after boot and the memory may then
//   grow only by `slackBytes`, so one allocation far beyond the board's heap (a 10 MiB bytearray
//   on an ESP8266) fails with MemoryError at once. The exact budget (the profile's heapBytes) is
//   checked after each safe-point collection by the Python side (_vheap.py).

const SCAN_BYTES = 1 << 20;

/** Indices of the WebAssembly functions on the current call stack (from a stack trace). */
function wasmFrames() {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 500;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  return [...stack.matchAll(/wasm-function\[(\d+)\]/g)].map((m) => Number(m[1]));
}

export function createHeap({ slackBytes }) {
  let memory = null;
  let growthLimit = Infinity;
  let depthWord = -1;
  let mp = null;
  const safe = new Set();

  return {
    /** Wraps the interpreter's memory-growth import (called from WebAssembly.instantiate). */
    hookImports(imports) {
      const grow = imports.env.emscripten_resize_heap;
      imports.env.emscripten_resize_heap = (requested) => (requested >>> 0 > growthLimit ? false : grow(requested));
    },
    attach(instance, interpreter) {
      memory = instance.exports.memory;
      mp = interpreter;
    },
    /** Finds the external-call depth counter: 1 at the first level of Python, 2 in a nested run. */
    findDepthWord() {
      // Candidates are narrowed in place (no copies of the memory: three 1 MiB snapshots per board
      // stayed resident in every worker).
      let candidates = null;
      const look = (depth) => {
        const words = new Int32Array(memory.buffer, 0, SCAN_BYTES / 4);
        if (candidates === null) {
          candidates = [];
          for (let i = 0; i < words.length; i++) if (words[i] === depth) candidates.push(i);
        } else candidates = candidates.filter((i) => words[i] === depth);
      };
      mp.registerJsModule('_depth_probe', {
        snap: () => look(1),
        nest: () => mp.runPython('_depth_probe.snap2()\n_depth_probe.nest2()'),
        snap2: () => look(2),
        nest2: () => mp.runPython('_depth_probe.snap3()'),
        snap3: () => look(3),
      });
      mp.runPython('import _depth_probe\n_depth_probe.snap()\n_depth_probe.nest()\ndel _depth_probe');
      const found = candidates ?? [];
      if (found.length !== 1) throw new Error(`virtual board: cannot locate the interpreter's call depth (${found.length} candidates); heap enforcement impossible`);
      depthWord = found[0];
    },
    /** The interpreter's functions on the stack of this host call count as safe for collections. */
    learnSafe() {
      for (const index of wasmFrames()) safe.add(index);
    },
    /**
     * Runs the collection gc.collect() left pending, if every interpreter function between the
     * top level and this host call is one Python-to-Python calls go through (learnt at boot).
     * Another one (list() filling a new list from a generator that sleeps, a C callback…) may
     * hold a new object only in a WebAssembly local: then it does nothing and returns false.
     */
    collect() {
      if (!wasmFrames().every((index) => safe.has(index))) return false;
      const words = new Int32Array(memory.buffer);
      const saved = words[depthWord];
      words[depthWord] = 0;
      try {
        mp.runPython('');
      } finally {
        new Int32Array(memory.buffer)[depthWord] = saved;
      }
      return true;
    },
    /** Uses up the allocator's free space, then lets memory grow by slackBytes at most. */
    cap() {
      growthLimit = 0;
      const malloc = mp._module._malloc;
      for (let size = 1 << 24; size >= 4096; ) if (!malloc(size)) size >>= 1;
      growthLimit = memory.buffer.byteLength + slackBytes;
    },
  };
}
