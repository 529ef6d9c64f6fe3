// Clocks for judging timing on a shared, loaded host: the wall clock less the time a thread was
// ready to run but waited for a CPU (Linux schedstat's run delay). A test that bounds how long
// something takes (an upper bound: "fails fast", "paced at the baud rate", "on schedule") reads it
// on these, so another test file's work or other processes on the machine do not fail it; a
// lower bound ("not faster than the wire") stays on the wall clock, which load only lengthens.
import { readFileSync } from 'node:fs';
import type { VirtualBoard } from '../../tools/sim/board.ts';

/** Wall-clock ms less what thread `tid` (default: this process's main thread) waited for a CPU; the wall clock where /proc is missing. */
export function runnableClock(tid: number | null = process.pid): () => number {
  let waited = 0;
  const waitedForCpu = (): number => {
    if (tid === null) return 0;
    try {
      waited = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'latin1').split(' ')[1]) / 1e6;
    } catch {
      // No /proc, or the thread ended (a board stopped or reset): what it had waited until then.
    }
    return waited;
  };
  return () => Date.now() - waitedForCpu();
}

/**
 * The time a virtual board could have run (ms), as its watchdog counts time (boardClock.mjs):
 * its interpreter thread's waits for a CPU excluded. One boot only (a reset brings a new thread).
 */
export function boardClock(board: VirtualBoard): () => number {
  return runnableClock(board.interpreterThread);
}
