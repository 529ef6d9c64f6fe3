// Builds the broker's IoT Core roster from the project's resolved devices, so `mpy-iot broker`
// enforces exactly the identities the firmware was rendered with.
import { InputError } from '../errors.ts';
import type { ResolvedDevice } from '../config/types.ts';
import type { IotCoreConfig, IotCoreDevice } from './types.ts';

/**
 * device id = identity.deviceId, registryId = identity.registryId, password = mqtt.password only
 * when mqtt.username is the device id (that is how IoT Core password login works). Registries are
 * the distinct registry ids, with no password or certificate: add those before starting the broker
 * if a registry client (e.g. the harness) must log in.
 */
export function iotCoreFromProject(devices: ResolvedDevice[]): IotCoreConfig {
  const byId = new Map<string, { device: IotCoreDevice; name: string }>();
  const registries: string[] = [];
  for (const d of devices) {
    const id = d.identity.deviceId;
    const registryId = d.identity.registryId ?? undefined;
    const entry: IotCoreDevice = { id };
    if (registryId !== undefined) entry.registryId = registryId;
    if (d.mqtt.username === id && d.mqtt.password !== null) entry.password = d.mqtt.password;
    const previous = byId.get(id);
    if (previous) {
      // The same id twice is fine for identical entries (one board listed twice) but not otherwise.
      if (JSON.stringify(previous.device) === JSON.stringify(entry)) continue;
      throw new InputError(`devices '${previous.name}' and '${d.name}' share the IoT Core device id '${id}' with different settings`, [
        { path: `devices[${d.index}].identity.deviceId`, message: `device id '${id}' is already used by '${previous.name}'`, value: id, severity: 'error' },
      ]);
    }
    byId.set(id, { device: entry, name: d.name });
    if (registryId !== undefined && !registries.includes(registryId)) registries.push(registryId);
  }
  return { devices: [...byId.values()].map((v) => v.device), registries: registries.map((id) => ({ id })) };
}
