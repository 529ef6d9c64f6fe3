// Type checks only the richer schema can make (test/codegen copies this next to its fleet.gen.ts).
import type { TelemetryPayload, TelemetryPayloadLocation, Reading, StudentName } from './fleet.gen.ts';

export const full: TelemetryPayload = {
  temperature: null,
  students: ['Иванов И.И'],
  group: 'БАГ-18-02',
  location: { room: 'B-204', shelf: null, coordinates: [1.5, 2] },
  readings: [{ sensor: 'bme280', value: 41.2, unit: '%' }],
  labels: { bench: '3' },
  mode: 'lab',
  'firmware-version': '1.24',
};
export const room: string = (full.location as TelemetryPayloadLocation).room;
export const student: StudentName = full.students[0]!;
export const reading: Reading = { sensor: 'dht22', value: 20 };

export function refused(): void {
  // @ts-expect-error group is one of the two groups
  const a: TelemetryPayload = { temperature: 1, students: ['x'], group: 'ИВТ-20-01' };
  // @ts-expect-error room is required in location
  const b: TelemetryPayloadLocation = { shelf: 2 };
  // @ts-expect-error coordinates is a pair
  const c: TelemetryPayloadLocation = { room: 'r', coordinates: [1, 2, 3] };
  // @ts-expect-error sensor is an enum
  const d: Reading = { sensor: 'thermistor', value: 1 };
  // @ts-expect-error mode is the constant "lab"
  const e: TelemetryPayload['mode'] = 'field';
  // @ts-expect-error unknown fields are refused (additionalProperties: false)
  const f: TelemetryPayload = { temperature: 1, students: ['x'], group: 'БАГ-18-01', colour: 'red' };
  void [a, b, c, d, e, f];
}
