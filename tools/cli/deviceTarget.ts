// config push and state: the project device (by name or IoT Core id) and its topics.
import { InputError } from '../errors.ts';
import type { LoadedProject, ResolvedDevice } from '../config/index.ts';
import { topicFilter } from '../harness/index.ts';
import { findDevice } from './unknownDevice.ts';

export interface DeviceTarget {
  device: ResolvedDevice;
  stateTopic: string;
  configTopic: string;
  commandTopic: string;
}

export function deviceTarget(project: LoadedProject | null, name: string): DeviceTarget {
  if (!project) throw new InputError('no project file here', [], { hint: 'run in the project folder, or pass --project' });
  const device = findDevice(project, name);
  const id = device.identity.deviceId;
  return { device, stateTopic: topicFilter(device.mqtt.statusTopic, device), configTopic: `$devices/${id}/config`, commandTopic: `$devices/${id}/commands` };
}
