// Where the user wrote a device's setting: on the device, or in `defaults` (problems are reported
// there, once, not as devices[0]…, devices[1]… for a value nobody wrote on those devices).
import { joinPath } from '../shared/jsonPath.ts';
import type { ProjectFile } from './types.ts';

function holds(root: unknown, segments: (string | number)[]): boolean {
  let current = root;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object' || !(segment in current)) return false;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return true;
}

/** devices[i].… when the device sets it, else defaults.… when the defaults do, else devices[i].… (a built-in default). */
export function writtenAt(project: Pick<ProjectFile, 'defaults' | 'devices'>, index: number, ...segments: (string | number)[]): string {
  if (holds(project.devices[index], segments)) return joinPath('devices', index, ...segments);
  if (holds(project.defaults, segments)) return joinPath('defaults', ...segments);
  return joinPath('devices', index, ...segments);
}
