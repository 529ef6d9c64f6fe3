// The board's own clock, for "is it hung" judgements (its watchdog): the time the board could have
// run, not the wall-clock time the host did not give it.
//
// A real board's watchdog period passes while the chip runs code or waits as its program asked.
// A virtual board shares the host's cores: when the host starves its thread (other processes,
// 300 boards on 2 cores) or the host's main thread answers its calls late, wall-clock time passes
// that the board never had. Board time here is:
//   - the thread's own CPU time (Linux schedstat: nanoseconds on a CPU, not waiting in the run
//     queue), for the time it runs Python;
//   - plus the waits it asked for (sleep, serial input), counted up to what it asked plus a slack;
//   - plus waits for the host's answer from when the host began working on it until it answered,
//     in host time (wall-clock less the host's event-loop lag, see tools/sim/supervisor.ts): a
//     socket call that really hangs is the board's; the time the call queued for a busy or starved
//     host, the host's lag while it worked, and the board's late wake-up after the answer are not;
//   - plus hangs of its own (an injected stuck driver), in full.
// Whatever else passed is a host stall: reported as one, never counted towards a watchdog reset.
import { closeSync, openSync, readSync, readlinkSync } from 'node:fs';

/** A wait may end this much later than asked before the excess counts as the host's (a starved
 *  thread wakes late from every 50 ms slice: a generous slack would count that lateness). */
const WAIT_SLACK_MS = 2;
/** Stalls shorter than this are the scheduler's ordinary jitter: counted, not reported. */
const REPORT_STALL_MS = 500;

/**
 * Per-thread CPU clocks exist on Linux only (/proc). MPY_IOT_CPU_CLOCK=off makes a Linux host behave
 * as macOS or Windows do, where every judgement falls back to host time (see createBoardClock and
 * tools/sim/supervisor.ts): for tests of that path, and for a host whose /proc misreports.
 */
export const cpuClockDisabled = () => process.env.MPY_IOT_CPU_CLOCK === 'off';

/** A thread's CPU time in ms from a Linux schedstat file (first field: ns on a CPU); null without /proc. */
export function openCpuTime(file) {
  if (cpuClockDisabled()) return null;
  let fd;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  const buffer = Buffer.alloc(96);
  return {
    read: () => {
      const length = readSync(fd, buffer, 0, buffer.length, 0);
      return Number(buffer.toString('latin1', 0, length).split(' ')[0]) / 1e6;
    },
    close: () => closeSync(fd),
  };
}

/** This thread's id on Linux (the host reads its CPU time while the board is busy in a loop). */
function threadId() {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return null;
  }
}

/**
 * @param {{ ctrl: Int32Array, slots: { callStarted: number, callEnded: number }, hostClock: { sab: SharedArrayBuffer, epoch: number, tickMs: number }, onStall: (ms: number, during: string) => void }} host
 *   ctrl[slots.callStarted/callEnded]: when the host began/finished answering the pending call, in
 *   host time (0: not yet); hostClock: the host's lag clock ([0] lag so far, [1] its last tick).
 */
/**
 * Host time from the host's lag clock ([0] lag so far, [1] its last tick, both ms since `epoch`):
 * wall-clock time less the lag, including the lag of a tick that is late right now.
 */
export function hostTime(lag, epoch, tickMs) {
  const now = Date.now() - epoch;
  return now - Atomics.load(lag, 0) - Math.max(0, now - Atomics.load(lag, 1) - tickMs);
}

export function createBoardClock({ ctrl, slots, hostClock, onStall }) {
  const lag = new Int32Array(hostClock.sab);
  const hostNow = () => hostTime(lag, hostClock.epoch, hostClock.tickMs);
  const cpu = openCpuTime('/proc/thread-self/schedstat');
  const cpuAtStart = cpu?.read() ?? 0;
  // Without a CPU clock, board time is host time (which already leaves out the host's lag) less
  // stalls, so a wait is timed in host time too: timed on the wall, the lag in it would be taken
  // off twice. The lag is still a host stall to report, just not one to subtract again.
  const hostAtStart = hostNow();
  let hostAtStamp = hostAtStart;
  const stamp = () => {
    if (!cpu) hostAtStamp = hostNow();
    return performance.now();
  };
  /** How long since `since` (= stamp()): `took` on board time's clock, `lag` the host's lag in it (no CPU clock only). */
  const elapsed = (since) => {
    const wall = performance.now() - since;
    const took = cpu ? wall : Math.min(wall, Math.max(0, hostNow() - hostAtStamp));
    return { took, lag: wall - took };
  };
  /** Board time never runs backwards (a watchdog fed "in the future" would get more than its period). */
  let highWater = 0;
  let waitedMs = 0;
  /** The host call in progress: since when the host works on it (board time while it does). */
  let pendingCall = false;
  const hostWorkMs = () => {
    const started = Atomics.load(ctrl, slots.callStarted);
    if (started === 0) return 0;
    const ended = Atomics.load(ctrl, slots.callEnded);
    return Math.max(0, (ended === 0 ? hostNow() : ended) - started);
  };
  let stalledMs = 0;
  /** The host stall in progress (consecutive excluded time), reported once it ends. */
  let episode = { ms: 0, during: '' };

  /** Time the board did not get: reported as a host stall; subtracted from board time unless host time already left it out. */
  const stall = (ms, during, { subtract = true } = {}) => {
    if (ms <= 0) return;
    if (subtract) stalledMs += ms;
    episode.ms += ms;
    episode.during ||= during;
  };
  const endEpisode = () => {
    if (episode.ms >= REPORT_STALL_MS) onStall(Math.round(episode.ms), episode.during);
    episode = { ms: 0, during: '' };
  };
  const counted = (ms) => {
    waitedMs += ms;
    endEpisode();
  };

  return {
    tid: cpu ? threadId() : null,
    /** Board time in ms since this interpreter started. */
    now() {
      // Without a CPU clock (no /proc): host time (wall-clock less the host's own event-loop lag,
      // which grows when the host is starved too) less the waits and the stalls seen around them.
      const running = cpu ? cpu.read() - cpuAtStart : hostNow() - hostAtStart - waitedMs - stalledMs;
      highWater = Math.max(highWater, running + waitedMs + (pendingCall ? hostWorkMs() : 0));
      return highWater;
    },
    /** When a wait or a call begins, on the clock `waited` and `callAnswered` take. */
    stamp,
    /** A wait the board asked for (`askedMs`, begun at `since` = stamp()): counts up to what it asked plus slack. */
    waited(since, askedMs) {
      const { took, lag } = elapsed(since);
      const mine = Math.min(took, askedMs + WAIT_SLACK_MS);
      stall(took - mine, 'wait');
      stall(lag, 'wait', { subtract: false });
      counted(mine);
    },
    /** A host call is posted: clears the host's stamps (before the post, so they are this call's). */
    callPosted() {
      Atomics.store(ctrl, slots.callStarted, 0);
      Atomics.store(ctrl, slots.callEnded, 0);
      pendingCall = true;
    },
    /** The host answered the call posted at `since` (= stamp()): what the host worked on it counts, the rest is a stall. */
    callAnswered(since) {
      pendingCall = false;
      const { took, lag } = elapsed(since);
      const mine = Math.min(took, hostWorkMs());
      stall(took - mine, 'host call');
      stall(lag, 'host call', { subtract: false });
      counted(mine);
    },
    /** The board's own hang (a stuck driver): all of it counts. */
    hung(ms) {
      counted(ms);
    },
    /** What board time is made of (ms since this interpreter started), for a watchdog reset's report. */
    breakdown() {
      const total = this.now();
      return { boardMs: Math.round(total), cpuMs: cpu ? Math.round(cpu.read() - cpuAtStart) : null, waitedMs: Math.round(waitedMs), stalledMs: Math.round(stalledMs) };
    },
  };
}
