// `simulate()`: a project's firmware built and running on virtual boards (the real MicroPython
// interpreter, real TCP), pointed at the broker a test started. The same build and fleet code as
// `mpy-iot simulate`; by default the build goes to a temporary folder, so the project's own
// build/ is never touched and never needs to be current.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadedProject } from '../config/index.ts';
import { InputError } from '../errors.ts';
import { buildProject } from '../render/build.ts';
import type { VirtualBoard } from '../sim/board.ts';
import { planFleet, startFleet, type FaultSchedule } from '../sim/fleet.ts';
import type { TemperatureScenario } from '../sim/temperature.ts';
import { openProject, type ProjectLoadOptions, type ProjectSource } from './project.ts';

export interface SimulateOptions extends ProjectLoadOptions {
  /** Project folder or file, or a loaded project; default the current folder. */
  project?: ProjectSource;
  /** mqtt:// URL the boards connect to instead of the project's broker (e.g. startBroker()'s url). */
  broker?: string;
  /** Device names to run; default every device. */
  devices?: string[];
  /** Boards per device (copies are named `team-1#2`… and get their own MACs). */
  count?: number;
  /** Run this existing, current build (`mpy-iot build`) instead of building into a temporary folder. */
  buildDir?: string;
  temperature?: TemperatureScenario;
  wifiConnectDelayMs?: number;
  faults?: FaultSchedule;
}

export interface Simulation {
  project: LoadedProject;
  boards: VirtualBoard[];
  /** The board of that name; throws InputError naming the boards there are. */
  board(name: string): VirtualBoard;
  /** Stops every board and removes the temporary build. Idempotent. */
  stop(): Promise<void>;
}

export async function simulate(options: SimulateOptions = {}): Promise<Simulation> {
  const project = openProject(options.project ?? '.', options);
  const tempBuild = options.buildDir ? null : mkdtempSync(path.join(os.tmpdir(), 'mpy-iot-sim-'));
  try {
    const buildDir = options.buildDir ? path.resolve(project.dir, options.buildDir) : tempBuild!;
    if (tempBuild) await buildProject(project, { outDir: tempBuild, ...(options.devices ? { devices: options.devices } : {}) });
    const specs = planFleet(project, {
      buildDir,
      ...(options.devices ? { devices: options.devices } : {}),
      ...(options.count ? { count: options.count } : {}),
      ...(options.broker ? { brokerUrl: options.broker } : {}),
      ...(options.temperature ? { temperature: options.temperature } : {}),
      ...(options.wifiConnectDelayMs === undefined ? {} : { wifiConnectDelayMs: options.wifiConnectDelayMs }),
    });
    const fleet = await startFleet(specs, options.faults ?? {});
    let stopped: Promise<void> | undefined;
    return {
      project,
      boards: fleet.boards,
      board(name) {
        const board = fleet.boards.find((b) => b.name === name);
        if (!board) throw new InputError(`no virtual board named '${name}'`, [], { hint: `boards: ${fleet.boards.map((b) => b.name).join(', ')}` });
        return board;
      },
      stop() {
        stopped ??= fleet.stop().finally(() => {
          if (tempBuild) rmSync(tempBuild, { recursive: true, force: true });
        });
        return stopped;
      },
    };
  } catch (error) {
    if (tempBuild) rmSync(tempBuild, { recursive: true, force: true });
    throw error;
  }
}
