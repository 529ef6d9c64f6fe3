// A board that keeps restarting (a crash loop, a watchdog biting, a brown-out) still gets a payload
// out after each boot, so counts alone pass it. Its `seq` starting over says it rebooted. One
// reboot per window is allowed (a student pressing EN, `mpy-iot send … reboot`), plus one per
// 5 minutes of a long window: over a lesson on the dashboard, every deploy resets the board too.
import type { DeviceStats } from './types.ts';

const ALLOWED_EVERY_MS = 5 * 60_000;

/** The reboots seen in the window when they are more than allowed, else null. */
export function rebootLoop(d: DeviceStats, windowMs: number): number | null {
  const resets = d.seq?.resets ?? 0;
  return resets > 1 + Math.floor(windowMs / ALLOWED_EVERY_MS) ? resets : null;
}
