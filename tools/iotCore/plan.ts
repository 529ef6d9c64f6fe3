// `mpy-iot iot-core plan`: the yc CLI commands that create the project's registry and devices in
// Yandex IoT Core and register their certificates. Pure: it returns the steps, the CLI prints them,
// nothing here runs anything. Syntax from the yc reference (`yc iot registry create <NAME>`,
// `yc iot device create <NAME> --registry-name … --certificate-file …`, `… certificate add`).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CERTS_DIR, certPaths } from '../certs/store.ts';
import type { LoadedProject } from '../config/index.ts';
import { InputError } from '../errors.ts';

export const YANDEX_ROOT_CA_URL = 'https://storage.yandexcloud.net/mqtt/rootCA.crt';

export interface PlanStep {
  /** Why, in one line (printed as a shell comment). */
  comment: string;
  commands: string[];
}

/** Single-quotes a word for sh when it needs it; paths may hold spaces. */
function sh(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function iotCorePlan(project: LoadedProject): PlanStep[] {
  const rel = (file: string): string => sh(path.relative(project.dir, file).split(path.sep).join('/'));
  const registries = [...new Set(project.devices.map((d) => d.identity.registryId).filter((r): r is string => r !== null))];
  if (registries.length === 0) {
    throw new InputError('no device has identity.registryId: IoT Core devices live in a registry', [], { hint: 'set defaults.identity.registryId (mpy-iot init --template iot-core does)' });
  }
  const steps: PlanStep[] = [];
  for (const registry of registries) {
    const cert = certPaths(path.join(project.dir, CERTS_DIR), 'registry', registry).cert;
    steps.push({
      comment: `registry ${registry}${existsSync(cert) ? ', with its certificate (mpy-iot certs registry)' : ''}`,
      commands: [`yc iot registry create ${sh(registry)}`, ...(existsSync(cert) ? [`yc iot registry certificate add --registry-name ${sh(registry)} --certificate-file ${rel(cert)}`] : [])],
    });
  }
  for (const d of project.devices) {
    if (d.identity.registryId === null) continue;
    const flags = [`--registry-name ${sh(d.identity.registryId)}`];
    let how: string;
    if (d.mqtt.tlsFiles.cert !== null) {
      flags.push(`--certificate-file ${rel(d.mqtt.tlsFiles.cert)}`);
      how = 'its certificate (only the public part goes to the cloud; the key stays on the board)';
    } else if (d.mqtt.password !== null) {
      flags.push('--read-password');
      how = 'a password, typed at the prompt (the project’s is never printed here)';
    } else {
      how = 'no certificate or password yet: add one with `yc iot device certificate add` or `yc iot device password add`';
    }
    steps.push({ comment: `device ${d.name}: ${how}`, commands: [`yc iot device create ${sh(d.name)} ${flags.join(' ')}`] });
  }
  steps.push({
    comment: 'the ids the cloud gave them: topics use ids, not names. Put the registry id in .env (IOT_REGISTRY_ID) and each device id in devices[].identity.deviceId',
    commands: [...registries.map((r) => `yc iot registry get ${sh(r)} --format json --jq .id`), ...project.devices.map((d) => `yc iot device get ${sh(d.name)} --format json --jq .id`)],
  });
  steps.push({
    comment: `the cloud's server CA, and the cloud endpoint in .env (MQTT_HOST=mqtt.cloud.yandex.net, MQTT_CA=certs/yandex-root-ca.pem); then mpy-iot check && mpy-iot build`,
    commands: [`curl -fsSL -o certs/yandex-root-ca.pem ${YANDEX_ROOT_CA_URL}`],
  });
  return steps;
}
