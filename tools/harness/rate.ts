// A board publishing far more often than its project says (a student's interval typo, a loop
// without its sleep). Judged loosely, so that a healthy board never fails it: the mean interval
// must be under half the project's AND the count beyond twice what the window allows plus a full
// offline buffer (a reconnect sends its buffered payloads at once).
import type { ResolvedDevice } from '../config/types.ts';
import type { DeviceStats } from './types.ts';

export interface TooFast {
  /** The measured mean interval, ms. */
  meanMs: number;
  /** The project's interval, ms. */
  expectedMs: number;
  messages: number;
}

export function tooFast(d: DeviceStats, device: ResolvedDevice, windowMs: number): TooFast | null {
  const expectedMs = device.telemetry.intervalSeconds * 1000;
  const meanMs = d.interval.meanMs;
  if (meanMs === null || d.interval.samples < 3 || meanMs >= expectedMs / 2) return null;
  const allowance = (2 * windowMs) / expectedMs + device.telemetry.offlineBuffer + 1;
  return d.messages > allowance ? { meanMs, expectedMs, messages: d.messages } : null;
}

/** `0.25 s`, `2 s`, `1.5 s`: the interval as a person writes it. */
export const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(ms < 1000 ? 2 : 1))} s`;
