// A fleet of virtual boards for a project: which builds to run, is each build current, where
// their broker really is, and the fault schedule (Wi-Fi drop, broker cut).
import path from 'node:path';
import type { LoadedProject } from '../config/index.ts';
import type { ResolvedDevice } from '../config/types.ts';
import { InputError } from '../errors.ts';
import { assertFreshBuild } from '../render/build.ts';
import { startVirtualBoard, type VirtualBoard, type VirtualBoardOptions } from './board.ts';
import { shardedMac } from './identity.ts';
import type { TemperatureScenario } from './temperature.ts';

export interface FleetOptions {
  /** Device names; empty = every device. */
  devices?: string[];
  /** Boards per device (the copies get `#2`, `#3`… names and their own MACs). */
  count?: number;
  /** Send the boards' MQTT connections here instead of the project's broker. */
  brokerUrl?: string;
  buildDir?: string;
  temperature?: TemperatureScenario;
  wifiConnectDelayMs?: number;
  /**
   * Run only shard `index` (1-based) of `total`: board k of the whole fleet (devices in order, then
   * copies) runs on shard k % total + 1, with a MAC derived from the fleet (see shardedMac), so
   * several machines run one fleet against one broker without two boards sharing a MAC or client id.
   */
  shard?: Shard;
  /**
   * With `shard`: the fleet's name, mixed into its MACs. Two groups sharding the same project
   * against one broker name their fleets differently, or their boards would share MACs.
   */
  fleetName?: string;
}

export interface Shard {
  index: number;
  total: number;
}

/** `--shard i/n`: shard i (1-based) of n. */
export function parseShard(text: string, option = '--shard'): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const total = Number(match?.[2]);
  if (!match || total < 1 || total > 10_000 || index < 1 || index > total) {
    throw new InputError(`${option}: '${text}' is not a shard`, [], { hint: `give i/n with 1 <= i <= n, e.g. ${option} 1/2 on one machine and ${option} 2/2 on the other` });
  }
  return { index, total };
}

export interface FleetBoardSpec {
  device: ResolvedDevice;
  name: string;
  buildDir: string;
  options: VirtualBoardOptions;
}

/** Checks every selected build exists and matches the project; throws InputError telling what to run. */
export function planFleet(project: LoadedProject, options: FleetOptions = {}): FleetBoardSpec[] {
  const names = options.devices ?? [];
  const selected = names.length === 0 ? project.devices : names.map((name) => {
    const device = project.devices.find((d) => d.name === name);
    if (!device) throw new InputError(`no device named '${name}' in the project`, [], { hint: `devices: ${project.devices.map((d) => d.name).join(', ')}` });
    return device;
  });
  const buildRoot = path.resolve(project.dir, options.buildDir ?? 'build');
  const redirect = options.brokerUrl ? new URL(options.brokerUrl) : null;
  if (redirect && redirect.protocol !== 'mqtt:') throw new InputError(`--broker ${options.brokerUrl}: only mqtt:// brokers can stand in for the project's`, [], { hint: 'use e.g. --broker mqtt://127.0.0.1:1883' });
  const specs: FleetBoardSpec[] = [];
  const shard = options.shard;
  // Every shard must run the same fleet: its key is what the boards are (devices, copies, broker).
  const fleetKey = JSON.stringify([selected.map((d) => [d.name, d.mqtt.host, d.mqtt.port]), options.count ?? 1, shard?.total, ...(options.fleetName ? [options.fleetName] : [])]);
  let index = -1;
  for (const device of selected) {
    const buildDir = path.join(buildRoot, device.name);
    assertFreshBuild(device, buildDir);
    for (let copy = 1; copy <= (options.count ?? 1); copy++) {
      index += 1;
      if (shard && index % shard.total !== shard.index - 1) continue;
      specs.push({
        device,
        name: copy === 1 ? device.name : `${device.name}#${copy}`,
        buildDir,
        options: {
          ...(shard ? { mac: shardedMac(fleetKey, index) } : {}),
          accessPoint: { ssid: device.wifi.ssid, password: device.wifi.password },
          ...(options.temperature ? { temperature: options.temperature } : {}),
          ...(options.wifiConnectDelayMs === undefined ? {} : { wifiConnectDelayMs: options.wifiConnectDelayMs }),
          ...(redirect
            ? { connectTarget: (host: string, port: number) => (port === device.mqtt.port ? { host: redirect.hostname, port: Number(redirect.port || 1883) } : { host, port }) }
            : {}),
        },
      });
    }
  }
  if (shard && specs.length === 0) {
    throw new InputError(`--shard ${shard.index}/${shard.total}: this shard has no boards (the fleet has ${index + 1})`, [], { hint: `split it into at most ${index + 1} shards, or raise --count` });
  }
  return specs;
}

export interface FaultSchedule {
  wifiDropAtMs?: number;
  wifiDownForMs?: number;
  brokerCutAtMs?: number;
}

export interface RunningFleet {
  boards: VirtualBoard[];
  stop(): Promise<void>;
}

/** Starts every board (in parallel) and arms the faults; `onBoard` sees each board before it boots further. */
export async function startFleet(specs: FleetBoardSpec[], faults: FaultSchedule = {}, onBoard?: (board: VirtualBoard) => void): Promise<RunningFleet> {
  const boards = await Promise.all(
    specs.map(async (spec) => {
      const board = await startVirtualBoard(spec.buildDir, { ...spec.options, name: spec.name });
      onBoard?.(board);
      return board;
    }),
  );
  const timers: NodeJS.Timeout[] = [];
  if (faults.wifiDropAtMs !== undefined) {
    timers.push(setTimeout(() => {
      for (const b of boards) b.dropWifi();
      timers.push(setTimeout(() => boards.forEach((b) => b.restoreWifi()), faults.wifiDownForMs ?? 5000));
    }, faults.wifiDropAtMs));
  }
  if (faults.brokerCutAtMs !== undefined) timers.push(setTimeout(() => boards.forEach((b) => b.cutConnections()), faults.brokerCutAtMs));
  return {
    boards,
    async stop() {
      for (const t of timers) clearTimeout(t);
      await Promise.all(boards.map((b) => b.stop()));
    },
  };
}
