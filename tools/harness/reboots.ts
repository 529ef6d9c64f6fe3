// A board that keeps restarting (a crash loop, a watchdog biting, a brown-out) still gets a payload
// out after each boot, so counts alone pass it. Its `seq` starting over says it rebooted; one
// reboot in the window is allowed (a student pressing EN, `mpy-iot send … reboot`), more are not.
import type { DeviceStats } from './types.ts';

export const REBOOTS_ALLOWED = 1;

/** The reboots seen in the window when they are more than allowed, else null. */
export function rebootLoop(d: DeviceStats): number | null {
  const resets = d.seq?.resets ?? 0;
  return resets > REBOOTS_ALLOWED ? resets : null;
}
