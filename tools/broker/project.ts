// Builds the broker's IoT Core roster from the project's resolved devices, so `mpy-iot broker`
// enforces exactly the identities the firmware was rendered with.
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';
import type { ResolvedDevice } from '../config/types.ts';
import type { IotCoreConfig, IotCoreDevice } from './types.ts';

/**
 * device id = identity.deviceId, registryId = identity.registryId, password = mqtt.password only
 * when mqtt.username is the device id (that is how IoT Core password login works), certificate =
 * the fingerprint of mqtt.tls.cert (registered, as in the cloud, so it logs in even without the
 * CA). Registries are the distinct registry ids; one logs in with its certificate when `certsDir`
 * holds registries/<id>.pem (`mpy-iot certs registry <id>`), else add a password before starting.
 */
export function iotCoreFromProject(devices: ResolvedDevice[], options: { certsDir?: string } = {}): IotCoreConfig {
  const byId = new Map<string, { device: IotCoreDevice; name: string }>();
  const registries: string[] = [];
  for (const d of devices) {
    const id = d.identity.deviceId;
    const registryId = d.identity.registryId ?? undefined;
    const entry: IotCoreDevice = { id };
    if (registryId !== undefined) entry.registryId = registryId;
    if (d.mqtt.username === id && d.mqtt.password !== null) entry.password = d.mqtt.password;
    if (d.mqtt.tls && d.mqtt.tlsFiles.cert !== null) entry.certFingerprint = fingerprintOf(d.mqtt.tlsFiles.cert, `devices[${d.index}].mqtt.tls.cert`);
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
  const registryCert = (id: string): string | null => {
    const file = options.certsDir ? path.join(options.certsDir, 'registries', `${id}.pem`) : null;
    return file && existsSync(file) ? file : null;
  };
  return {
    devices: [...byId.values()].map((v) => v.device),
    registries: registries.map((id) => {
      const file = registryCert(id);
      return file ? { id, certFingerprint: fingerprintOf(file, `registry ${id}`) } : { id };
    }),
  };
}

function fingerprintOf(file: string, where: string): string {
  try {
    return new X509Certificate(readFileSync(file)).fingerprint256;
  } catch (cause) {
    throw new InputError(`${where}: ${file} is not a readable certificate`, [{ path: where, message: 'expected a PEM or DER X.509 certificate', severity: 'error', file }], {
      cause,
      hint: 'issue one with `mpy-iot certs device <id>`',
    });
  }
}
