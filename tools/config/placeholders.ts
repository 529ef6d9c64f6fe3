// Topic placeholders. {mac} is only known on the device, so the firmware expands it; the others
// are expanded at build time.
import type { ResolvedDevice } from './types.ts';

export const PLACEHOLDERS = ['mac', 'deviceId', 'registryId', 'name', 'group'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const TOKEN = /\{([^{}]*)\}/g;

/** Names used inside `{…}` in a template string, in order of appearance. */
export function placeholdersIn(template: string): string[] {
  return [...template.matchAll(TOKEN)].map((m) => m[1] ?? '');
}

export function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

/** Expands every placeholder except {mac}. Call after checks have refused unknown ones. */
export function expandBuildTime(template: string, device: ResolvedDevice): string {
  const values: Record<Exclude<Placeholder, 'mac'>, string> = {
    deviceId: device.identity.deviceId,
    registryId: device.identity.registryId ?? '',
    name: device.name,
    group: device.telemetry.group,
  };
  return template.replace(TOKEN, (whole, name: string) => (name in values ? values[name as keyof typeof values] : whole));
}

/** A representative {mac} for size estimates and previews, in the device's format. */
export function sampleMac(format: ResolvedDevice['identity']['macFormat']): string {
  const bytes = ['24', '0a', 'c4', '12', '34', '56'];
  switch (format) {
    case 'hex': return bytes.join('');
    case 'HEX': return bytes.join('').toUpperCase();
    case 'colon': return bytes.join(':');
    case 'COLON': return bytes.join(':').toUpperCase();
    case 'dash': return bytes.join('-');
  }
}
