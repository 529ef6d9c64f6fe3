// Which project device and which port a serial command (deploy, monitor, run) works on.
import path from 'node:path';
import type { LoadedProject } from '../config/index.ts';
import type { ResolvedDevice } from '../config/types.ts';
import { InputError } from '../errors.ts';
import { findDevice } from './unknownDevice.ts';

export function pickDevice(project: LoadedProject, name: string | undefined): ResolvedDevice {
  if (name) {
    return findDevice(project, name);
  }
  if (project.devices.length === 1) return project.devices[0]!;
  throw new InputError(`the project has ${project.devices.length} devices: which one?`, [], { hint: `pass --device (${project.devices.map((d) => d.name).join(', ')})` });
}

export const buildDirOf = (project: LoadedProject, device: ResolvedDevice): string => path.join(project.dir, 'build', device.name);
