// Builds a lab project and starts virtual boards on its build.
import path from 'node:path';
import { loadProject } from '../../tools/config/index.ts';
import { buildProject } from '../../tools/render/build.ts';
import { startVirtualBoard, type VirtualBoard, type VirtualBoardOptions } from '../../tools/sim/board.ts';
import { tempDir } from './cli.ts';

export interface LabOptions {
  brokerUrl: string;
  devices: Record<string, unknown>[];
  defaults?: Record<string, unknown>;
}

/** Writes and builds a lab project; returns the project folder. */
export async function buildLab(options: LabOptions): Promise<string> {
  const dir = tempDir({
    'mpy-iot.json': {
      defaults: {
        wifi: { ssid: 'lab-wifi', password: 'lab-password' },
        mqtt: { url: options.brokerUrl },
        telemetry: { intervalSeconds: 1 },
        ...options.defaults,
      },
      devices: options.devices,
    },
  });
  await buildProject(loadProject({ project: dir, env: {} }));
  return dir;
}

export async function bootBoard(projectDir: string, device: string, options: VirtualBoardOptions = {}): Promise<VirtualBoard> {
  // The caller stops it (in its own `after`): a hook registered here from a suite's `before`
  // would run as soon as that hook ends.
  return startVirtualBoard(path.join(projectDir, 'build', device), { accessPoint: { ssid: 'lab-wifi', password: 'lab-password' }, ...options });
}
