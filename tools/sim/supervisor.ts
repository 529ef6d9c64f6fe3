// The host's side of the boards' watchdog honesty (see worker/boardClock.mjs): a supervisor for
// boards silent in a tight loop (`while True: pass` calls nothing the board could check its
// watchdog in). It reads their thread's CPU time: a board that has burnt its watchdog's time left
// on a CPU without checking in is hung. A thread the host did not schedule burns nothing, so it is
// never judged hung. Where threads have no CPU clock (macOS, Windows), host time since the check-in
// stands in: wall-clock time less this thread's event-loop lag, so a host starved as a whole still
// bites no one, though a board starved alone could be bitten late rather than never.
import { existsSync } from 'node:fs';
import { cpuClockDisabled, hostTime, openCpuTime } from './worker/boardClock.mjs';


export interface Supervised {
  /** The boot's number, the worker's check-in counter and board-time left on its watchdog at that check-in (-1: none). */
  checkIn(): { boot: number; beat: number; watchdogLeftMs: number };
  /** Its thread's id on Linux, once booted (null: not known). */
  threadId(): number | null;
  /** Called when it is judged hung. */
  bite(): void;
}

interface Watch {
  boot: number;
  tid: number | null;
  cpu: ReturnType<typeof openCpuTime>;
  beat: number;
  /** The board's clock (CPU time, or host time without one) at its last check-in. */
  clockAtBeat: number;
}

/** Whether this host has per-thread CPU clocks (Linux /proc), as the boards' workers decide it. */
const procCpuClocks = existsSync('/proc/thread-self/schedstat');
const hasCpuClocks = (): boolean => procCpuClocks && !cpuClockDisabled();

/**
 * Host time: wall-clock time less the main thread's event-loop lag (how late its 20 ms tick ran),
 * in ms since clockEpoch. Host calls are stamped in it, so a call the host answered late because its
 * event loop was busy or starved (its broker, 300 boards' messages, other processes) counts only
 * the time the host was really waiting (on the network), not the lag. Shared with the workers:
 * [0] lag so far (ms), [1] when the last tick ran (ms since clockEpoch).
 */
const clockEpoch = Date.now();
const TICK_MS = 20;
/** Silent boards are looked at every this many ticks, 240 ms (a bite comes at most this late). */
const SUPERVISE_TICKS = 12;
const lagClock = new Int32Array(new SharedArrayBuffer(8));
const watched = new Map<Supervised, Watch>();
let ticker: NodeJS.Timeout | null = null;
let ticks = 0;

function tick(): void {
  const now = Date.now() - clockEpoch;
  const late = now - Atomics.load(lagClock, 1) - TICK_MS;
  if (late > 0) Atomics.add(lagClock, 0, late);
  Atomics.store(lagClock, 1, now);
  if (++ticks % SUPERVISE_TICKS === 0) judgeSilentBoards();
}

/** Host time now (see lagClock); the lag of a tick that is late right now counts too. */
export function hostNow(): number {
  return hostTime(lagClock, clockEpoch, TICK_MS);
}

/** What a worker needs to read host time: the shared lag clock and its epoch. */
export function hostClock(): { sab: SharedArrayBuffer; epoch: number; tickMs: number } {
  return { sab: lagClock.buffer as SharedArrayBuffer, epoch: clockEpoch, tickMs: TICK_MS };
}

function judgeSilentBoards(): void {
  const cpuClocks = hasCpuClocks();
  for (const [board, watch] of watched) {
    const { beat: seen, watchdogLeftMs, boot } = board.checkIn();
    const tid = board.threadId();
    if (boot !== watch.boot || tid !== watch.tid) {
      // A new boot counts its check-ins from 0 again: its beats are not the last boot's.
      watch.cpu?.close();
      watch.boot = boot;
      watch.tid = tid;
      watch.beat = -1;
      watch.cpu = tid === null ? null : openCpuTime(`/proc/self/task/${tid}/schedstat`);
    }
    if (watchdogLeftMs < 0) continue;
    let clockMs: number;
    if (!cpuClocks) clockMs = hostNow();
    else if (!watch.cpu) continue; // not booted yet: its thread's id comes with the boot
    else {
      try {
        clockMs = watch.cpu.read();
      } catch {
        // The thread ended (a reset in progress): the next boot brings a new id.
        continue;
      }
    }
    if (seen !== watch.beat) {
      watch.beat = seen;
      watch.clockAtBeat = clockMs;
    } else if (clockMs - watch.clockAtBeat > watchdogLeftMs) {
      watch.beat = -1;
      board.bite();
    }
  }
}

/** Starts watching a board; returns the function that stops it. */
export function supervise(board: Supervised): () => void {
  watched.set(board, { boot: -1, tid: null, cpu: null, beat: -1, clockAtBeat: 0 });
  if (!ticker) {
    Atomics.store(lagClock, 1, Date.now() - clockEpoch);
    // unref: the clock never keeps a process alive by itself.
    ticker = setInterval(tick, TICK_MS).unref();
  }
  return () => {
    watched.get(board)?.cpu?.close();
    watched.delete(board);
    if (watched.size === 0 && ticker) {
      clearInterval(ticker);
      ticker = null;
    }
  };
}
