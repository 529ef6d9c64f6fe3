// Project devices and payload helpers shared by the harness tests.
import type { ResolvedDevice } from '../../tools/config/types.ts';
import { loadProject } from '../../tools/config/index.ts';
import { tempDir, labProjectJson } from '../helpers/cli.ts';

/** Resolves a lab project with the given roster (defaults: esp32, DATA/{mac}, seq extra). */
export function labDevices(devices: Record<string, unknown>[]): ResolvedDevice[] {
  const base = labProjectJson();
  const defaults = base.defaults as Record<string, unknown>;
  const project = { ...base, defaults: { ...defaults, telemetry: { topics: ['DATA/{mac}'], extras: ['seq'] } }, devices };
  return loadProject({ project: tempDir({ 'mpy-iot.json': project }), env: {} }).devices;
}

export function lab(fields: Record<string, unknown> = {}, group = 'БАГ-18-01'): Buffer {
  return Buffer.from(JSON.stringify({ temperature: 21.5, students: ['Иванов И.И'], group, ...fields }), 'utf8');
}

export const birth = (name: string, connects = 1): Buffer => Buffer.from(JSON.stringify({ status: 'online', name, boot: 'power_on', connects }));
export const will = Buffer.from('{"status": "offline"}');
