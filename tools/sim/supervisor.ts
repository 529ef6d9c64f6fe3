// The host's side of the boards' watchdog honesty (see worker/boardClock.mjs): a supervisor for
// boards silent in a tight loop (`while True: pass` calls nothing the board could check its
// watchdog in). It reads their thread's CPU time: a board that has burnt its watchdog's time left
// on a CPU without checking in is hung. A thread the host did not schedule burns nothing, so it is
// never judged hung.
import { openCpuTime } from './worker/boardClock.mjs';

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

/** Host and workers stamp host calls in Date.now() - clockEpoch: small enough for an Int32 slot. */
export const clockEpoch = Date.now();
const watched = new Map<Supervised, Watch>();
let timer: NodeJS.Timeout | null = null;

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

/** Starts watching a board; returns the function that stops it. */
export function supervise(board: Supervised): () => void {
  watched.set(board, { tid: null, cpu: null, beat: -1, cpuAtBeat: 0 });
  // unref: the supervisor never keeps a process alive by itself.
  timer ??= setInterval(judgeSilentBoards, SUPERVISE_MS).unref();
  return () => {
    watched.get(board)?.cpu?.close();
    watched.delete(board);
    if (watched.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
}
