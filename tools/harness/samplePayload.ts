// What a device's firmware will publish, checked against the payload schema before anything is
// built or flashed: a student who leaves `students` empty or `group` blank learns it from `check`,
// not from a failed grade. The firmware's payload is fixed by the project (jsontext.telemetry):
// temperature, students, group, then the extras; only the readings vary.
import type { ResolvedDevice } from '../config/types.ts';
import type { InputIssue } from '../errors.ts';
import type { PayloadError } from './types.ts';

const SAMPLE_EXTRAS: Record<string, number> = { seq: 0, uptime: 60, rssi: -60, heap: 100_000 };

export function samplePayload(device: ResolvedDevice): Record<string, unknown> {
  const payload: Record<string, unknown> = { temperature: 21.5, students: device.telemetry.students, group: device.telemetry.group };
  for (const extra of device.telemetry.extras) payload[extra] = SAMPLE_EXTRAS[extra];
  return payload;
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
