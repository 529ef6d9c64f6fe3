// A board that keeps restarting (a crash loop, a watchdog biting, a brown-out) still gets a payload
// out after each boot, so counts alone pass it. Its `seq` starting over says it rebooted.
//
// Judged on the last 5 minutes the board was heard in, not on the whole window: the dashboard grades
// a whole lesson, and a count over it both fails a team that redeployed a dozen times while
// iterating (every deploy resets the board) and passes a board crash-looping every 40 s for the
// last few minutes. What a teacher signs is how the board behaves now: more than 2 resets within
// those 5 minutes is a loop (a student pressing EN, `mpy-iot send … reboot` or a deploy or two are
// not). Ending at the board's last payload rather than at the grade's time: a board that crash-looped
// and then went silent still fails; one fixed and running for 5 minutes passes. And only while it
// still loops: a board that has run since its newest reset for a minute and for twice the gap
// between those resets is running now (three deploys in a row, then a working board, is not a loop).
// A board the team replaced (another of its boards started after this one fell silent) is not judged
// on its resets: the team's board now is the other one.
import type { DeviceStats } from './types.ts';

export const LOOP_SPAN_MS = 5 * 60_000;
const ALLOWED_IN_SPAN = 2;
const SETTLED_MS = 60_000;

export interface RebootLoop {
  /** Resets within the span. */
  resets: number;
  /** The span judged: 5 minutes, or the window when it is shorter. */
  spanMs: number;
}

/** The reboots within the board's last 5 minutes when more than allowed, else null. */
export function rebootLoop(d: DeviceStats, windowMs: number): RebootLoop | null {
  const times = d.seq?.recentResets ?? [];
  const end = d.lastSeen ?? times[times.length - 1] ?? 0;
  const inSpan = times.filter((t) => t > end - LOOP_SPAN_MS);
  if (inSpan.length <= ALLOWED_IN_SPAN) return null;
  const newest = inSpan[inSpan.length - 1]!;
  const meanGapMs = (newest - inSpan[0]!) / (inSpan.length - 1);
  if (end - newest >= Math.max(SETTLED_MS, 2 * meanGapMs)) return null;
  return { resets: inSpan.length, spanMs: Math.min(windowMs, LOOP_SPAN_MS) };
}

/** Another board of the same team started after `d` fell silent: the team swapped boards. */
export function replacedLater(d: DeviceStats, teamBoards: DeviceStats[]): boolean {
  return d.lastSeen !== null && teamBoards.some((o) => o !== d && o.messages > 0 && o.firstSeen !== null && o.firstSeen > d.lastSeen!);
}
