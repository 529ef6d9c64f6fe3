// The checks grade (per team, in the class's language) and verify (per board, in English) share:
// written once so the two verdicts can never disagree about the same board.
import type { ResolvedDevice } from '../config/types.ts';
import { teamName, type GradingText } from './gradeText.ts';
import { tooFast } from './rate.ts';
import { rebootLoop, replacedLater } from './reboots.ts';
import type { DeviceStats, Snapshot } from './types.ts';

/** How long the snapshot watched, ms. */
export const windowOf = (snapshot: Pick<Snapshot, 'at' | 'startedAt'>): number => snapshot.at - snapshot.startedAt;

/**
 * What is wrong with a board that sends telemetry, beyond counts and schema errors, most telling
 * first: its payload names the team otherwise than the roster, it is in a reboot loop, it
 * publishes far too fast. `device`: the roster device the board is (too fast needs its interval);
 * `teamBoards`: every board heard as that team (a board it replaced is not judged on its resets).
 */
export function teamProblems(d: DeviceStats, device: ResolvedDevice | undefined, windowMs: number, text: GradingText, teamBoards: DeviceStats[] = [d]): string[] {
  const reasons: string[] = [];
  if (d.mismatch) reasons.push(text.mismatch(d.mismatch));
  const loop = replacedLater(d, teamBoards) ? null : rebootLoop(d, windowMs);
  if (loop) reasons.push(text.rebooted(loop.resets, Math.round(loop.spanMs / 1000)));
  const fast = device ? tooFast(d, device, windowMs) : null;
  if (fast) reasons.push(text.tooFast(fast, Math.round(windowMs / 1000)));
  return reasons;
}

/**
 * Why a roster team nothing was received from is not merely silent: a board whose birth names it
 * sends as another team (a typo in its students or group). Null when no board claims it.
 */
export function claimReason(snapshot: Snapshot, team: { device: string; students: string[]; group: string | null }, text: GradingText): string | null {
  const claimer = snapshot.devices.find((s) => s.claim === team.device);
  return claimer ? text.claimedBy(claimer.key, teamName(claimer.students ?? [], claimer.group ?? ''), teamName(team.students, team.group ?? '')) : null;
}
