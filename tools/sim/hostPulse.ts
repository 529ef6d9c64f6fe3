// The host's side of the boards' watchdog honesty (see worker/boardClock.mjs):
// - a pulse: the main thread writes its clock into shared memory every 25 ms, so a board waiting
//   for the host's answer can tell "the host is slow" (a host stall) from "the call hangs";
// - a supervisor for boards silent in a tight loop (`while True: pass` calls nothing the board
//   could check its watchdog in): it reads their thread's CPU time, and a board that has burnt
//   its watchdog's time left on a CPU without checking in is hung. A thread the host did not
//   schedule burns nothing, so it is never judged hung.
import { openCpuTime } from './worker/boardClock.mjs';

const PULSE_MS = 25;
/** Silent boards are looked at this often (a bite comes at most this late). */
const SUPERVISE_MS = 250;

export interface Supervised {
  /** The worker's check-in counter and board-time left on its watchdog at that check-in (-1: none). */
  checkIn(): { beat: number; watchdogLeftMs: number };
  /** Its thread's id on Linux, once booted (null: not known). */
  threadId(): number | null;
  /** Called when it is judged hung. */
  bite(): void;
}

interface Watch {
  tid: number | null;
  cpu: ReturnType<typeof openCpuTime>;
  beat: number;
  cpuAtBeat: number;
}

const epoch = Date.now();
const pulse = new Int32Array(new SharedArrayBuffer(4));
const watched = new Map<Supervised, Watch>();
let timer: NodeJS.Timeout | null = null;
let ticks = 0;

function beat(): void {
  Atomics.store(pulse, 0, Date.now() - epoch);
  if (++ticks % (SUPERVISE_MS / PULSE_MS) === 0) judgeSilentBoards();
}

function judgeSilentBoards(): void {
  for (const [board, watch] of watched) {
    const { beat: seen, watchdogLeftMs } = board.checkIn();
    const tid = board.threadId();
    if (tid !== watch.tid) {
      watch.cpu?.close();
      watch.tid = tid;
      watch.cpu = tid === null ? null : openCpuTime(`/proc/self/task/${tid}/schedstat`);
    }
    if (!watch.cpu || watchdogLeftMs < 0) continue;
    let cpuMs: number;
    try {
      cpuMs = watch.cpu.read();
    } catch {
      // The thread ended (a reset in progress): the next boot brings a new id.
      continue;
    }
    if (seen !== watch.beat) {
      watch.beat = seen;
      watch.cpuAtBeat = cpuMs;
    } else if (cpuMs - watch.cpuAtBeat > watchdogLeftMs) {
      watch.beat = -1;
      board.bite();
    }
  }
}

/** The shared pulse every board worker reads (its buffer and the epoch its values count from). */
export function hostPulse(): { sab: SharedArrayBuffer; epoch: number } {
  return { sab: pulse.buffer as SharedArrayBuffer, epoch };
}

/** Starts watching a board (and the pulse with the first one); returns the function that stops it. */
export function supervise(board: Supervised): () => void {
  watched.set(board, { tid: null, cpu: null, beat: -1, cpuAtBeat: 0 });
  if (!timer) {
    Atomics.store(pulse, 0, Date.now() - epoch);
    // unref: the pulse never keeps a process alive by itself.
    timer = setInterval(beat, PULSE_MS).unref();
  }
  return () => {
    watched.get(board)?.cpu?.close();
    watched.delete(board);
    if (watched.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
}
