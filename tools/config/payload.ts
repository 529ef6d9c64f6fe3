// The telemetry payload a device's firmware builds (firmware/mpyiot/jsontext.py `telemetry`):
// temperature, students, group, then the project's extras in order; only the readings vary. Built
// once here for both of its uses: the size budget (`check`, worst-case readings) and the schema
// check (typical readings, in tools/harness/samplePayload.ts).
import type { ResolvedDevice, TelemetryExtra } from './types.ts';

export interface Readings {
  temperature: number;
  /** Every extra has a value: a new extra without one does not compile. */
  extras: Record<TelemetryExtra, number>;
}

/** The longest text each reading prints as: a 32-bit seq, ~49 days of uptime, a 7-digit heap. */
export const WORST_READINGS: Readings = { temperature: -40.5, extras: { seq: 4294967295, uptime: 4294967, rssi: -100, heap: 4194304 } };

/** The payload as the firmware builds it, in its key order, with the given readings. */
export function devicePayload(device: ResolvedDevice, readings: Readings): Record<string, unknown> {
  const payload: Record<string, unknown> = { temperature: readings.temperature, students: device.telemetry.students, group: device.telemetry.group };
  for (const extra of device.telemetry.extras) payload[extra] = readings.extras[extra];
  return payload;
}

/** The firmware's JSON text of a flat payload: CPython's ", " and ": " separators, non-ASCII raw. */
export function firmwareJson(payload: Record<string, unknown>): string {
  const value = (v: unknown): string => (Array.isArray(v) ? `[${v.map(value).join(', ')}]` : JSON.stringify(v));
  return `{${Object.entries(payload).map(([k, v]) => `${JSON.stringify(k)}: ${value(v)}`).join(', ')}}`;
}

/** UTF-8 size of the largest payload the firmware will build for the device. */
export function estimatePayloadBytes(device: ResolvedDevice): number {
  return Buffer.byteLength(firmwareJson(devicePayload(device, WORST_READINGS)));
}
