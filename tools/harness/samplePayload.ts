// What a device's firmware will publish, checked against the payload schema before anything is
// built or flashed: a student who leaves `students` empty or `group` blank learns it from `check`,
// not from a failed grade. The firmware's payload is fixed by the project (jsontext.telemetry):
// temperature, students, group, then the extras; only the readings vary.
import { devicePayload, type Readings } from '../config/payload.ts';
import type { ResolvedDevice } from '../config/types.ts';
import type { InputIssue } from '../errors.ts';
import type { PayloadError } from './types.ts';

// Typical readings, not the worst case the size budget uses: a teacher's schema may well bound the
// temperature to a sensor's range (DHT22: -40…80) or the RSSI, and the question here is whether
// the payload's shape — students, group, extras — fits the schema, not whether extremes do.
const TYPICAL_READINGS: Readings = { temperature: 21.5, extras: { seq: 0, uptime: 60, rssi: -60, heap: 100_000 } };

export function samplePayload(device: ResolvedDevice): Record<string, unknown> {
  return devicePayload(device, TYPICAL_READINGS);
}

/** A warning at the device's telemetry when its payload would fail the schema; null when it passes. */
export function samplePayloadIssue(device: ResolvedDevice, index: number, validate: (value: unknown) => PayloadError | null, schemaName: string): InputIssue | null {
  const error = validate(samplePayload(device));
  if (!error) return null;
  const field = error.path ? error.path.replace(/^\//, '').split('/')[0] : null;
  return {
    path: `devices[${index}].telemetry${field && ['students', 'group'].includes(field) ? `.${field}` : ''}`,
    message: `${device.name}'s payloads would fail ${schemaName}: ${error.reason}`,
    hint: field === 'students' || field === 'group' ? `set telemetry.${field} for ${device.name} as the class list has it` : `make the project and ${schemaName} agree`,
    severity: 'warning',
  };
}
