// The one refusal for a device name the project does not have: the roster, and the name it most
// likely meant (`team1` → `team-1`).
import type { LoadedProject } from '../config/index.ts';
import type { ResolvedDevice } from '../config/types.ts';
import { InputError } from '../errors.ts';
import { didYouMean } from '../shared/didYouMean.ts';

export function unknownDevice(name: string, project: LoadedProject): InputError {
  const names = project.devices.map((d) => d.name);
  const guess = didYouMean(name, names);
  return new InputError(`no device '${name}' in the project${guess ? ` — did you mean '${guess}'?` : ''}`, [], { hint: `devices: ${names.join(', ')}` });
}

/** The project's device by its name or its IoT Core device id; refuses any other with unknownDevice. */
export function findDevice(project: LoadedProject, name: string): ResolvedDevice {
  const device = project.devices.find((d) => d.name === name || d.identity.deviceId === name);
  if (!device) throw unknownDevice(name, project);
  return device;
}
