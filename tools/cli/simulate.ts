import pc from 'picocolors';
import { loadProject } from '../config/index.ts';
import { DeviceError } from '../errors.ts';
import { formatDuration, parseDuration } from '../shared/duration.ts';
import type { VirtualBoard } from '../sim/board.ts';
import { planFleet, startFleet } from '../sim/fleet.ts';
import { exposeOnPty, type PtyExposure } from '../sim/pty.ts';
import { boardFarEnd } from '../sim/serialFarEnd.ts';
import { TEMPERATURE_SCENARIOS, type TemperatureScenario } from '../sim/temperature.ts';
import { defineCommand } from './command.ts';
import { table } from './table.ts';

interface SimulateArgs {
  device: string[] | undefined;
  all: boolean | undefined;
  count: number;
  broker: string | undefined;
  duration: string | undefined;
  'wifi-drop-at': string | undefined;
  'wifi-down-for': string;
  'broker-cut-at': string | undefined;
  temperature: TemperatureScenario | undefined;
  pty: boolean;
}

/** Firmware ERROR lines and the first and last line of a traceback. */
const looksLikeError = (line: string): boolean => /\] ERROR |^Traceback \(most recent call last\)|^\w+(Error|Exception|Interrupt)\b/.test(line);

const PALETTE = [pc.cyan, pc.magenta, pc.yellow, pc.green, pc.blue, pc.red];

export const simulateCommand = defineCommand<SimulateArgs>({
  command: 'simulate',
  describe: 'Run the built firmware on virtual boards (real MicroPython, real TCP to a real broker)',
  builder: (y) =>
    y
      .option('device', { alias: 'd', type: 'string', array: true, requiresArg: true, describe: 'Simulate this device (repeatable; default: all)' })
      .option('all', { type: 'boolean', describe: 'Simulate every device of the project (the default)' })
      .option('count', { type: 'number', default: 1, describe: 'Virtual boards per device (copies get #2, #3… and their own MACs)' })
      .option('broker', { type: 'string', requiresArg: true, describe: "Connect to this broker instead of the project's (e.g. mqtt://127.0.0.1:1883)" })
      .option('duration', { type: 'string', requiresArg: true, describe: 'Stop after this long (30s, 2m); default: until Ctrl-C' })
      .option('wifi-drop-at', { type: 'string', requiresArg: true, describe: 'Fault: Wi-Fi goes out of range at this time' })
      .option('wifi-down-for', { type: 'string', default: '5s', describe: 'How long the injected Wi-Fi loss lasts' })
      .option('broker-cut-at', { type: 'string', requiresArg: true, describe: "Fault: cut every board's TCP connection at this time" })
      .option('temperature', { choices: TEMPERATURE_SCENARIOS, describe: 'What the virtual sensors read' })
      .option('pty', { type: 'boolean', default: false, describe: "Expose each board's serial port on a pseudo-terminal (for monitor, deploy, mpremote…)" })
      .conflicts('all', 'device')
      .example('$0 simulate --all --duration 20s', 'Every device of the project, for 20 seconds')
      .example('$0 simulate -d team-1 --broker mqtt://127.0.0.1:1883', 'One board against a local broker (e.g. mosquitto)')
      .example('$0 simulate --count 10 --broker-cut-at 15s --json', '10 boards per device, a broker cut at 15 s, events as JSON lines')
      .example('$0 simulate -d team-1 --pty', 'Prints /dev/pts/N: open it with `mpy-iot monitor --port /dev/pts/N` or mpremote'),
  async run(args, { io, out }) {
    // Arguments first: a typo should not wait for the project to load.
    const durationMs = args.duration === undefined ? null : parseDuration(args.duration, '--duration');
    const faults = {
      ...(args['wifi-drop-at'] ? { wifiDropAtMs: parseDuration(args['wifi-drop-at'], '--wifi-drop-at'), wifiDownForMs: parseDuration(args['wifi-down-for'], '--wifi-down-for') } : {}),
      ...(args['broker-cut-at'] ? { brokerCutAtMs: parseDuration(args['broker-cut-at'], '--broker-cut-at') } : {}),
    };
    const project = loadProject({ project: args.project, cwd: io.cwd, env: io.env });
    out.redactor.absorb(project.redactor);
    const specs = planFleet(project, {
      ...(args.device ? { devices: args.device } : {}),
      count: Math.max(1, Math.floor(args.count)),
      ...(args.broker ? { brokerUrl: args.broker } : {}),
      ...(args.temperature ? { temperature: args.temperature } : {}),
    });
    const width = Math.max(...specs.map((s) => s.name.length));
    const colourOf = new Map(specs.map((s, i) => [s.name, PALETTE[i % PALETTE.length]!]));
    const crashes: Error[] = [];
    const startedAt = Date.now();
    const attach = (board: VirtualBoard): void => {
      const colour = out.color.isColorSupported ? colourOf.get(board.name)! : (s: string) => s;
      board.on('console', (l) => {
        if (out.json) out.event({ type: 'console', board: l.board, stream: l.stream, line: l.line, at: l.at });
        else out.line(`${colour(board.name.padEnd(width))} │ ${looksLikeError(l.line) ? out.color.red(l.line) : l.line}`);
      });
      board.on('reset', (e) => (out.json ? out.event({ type: 'reset', board: board.name, ...e }) : out.line(out.color.yellow(`${board.name.padEnd(width)} │ ── reset (${e.cause}) ──`))));
      board.on('led', (on: boolean) => out.json && out.event({ type: 'led', board: board.name, on, at: Date.now() }));
      board.on('crashed', (error: Error) => {
        crashes.push(error);
        out.note(out.color.red(`${board.name}: ${error.message}`));
      });
    };
    if (!out.json) out.note(out.color.dim(`starting ${specs.length} virtual board${specs.length > 1 ? 's' : ''}${args.broker ? ` → ${args.broker}` : ''}${durationMs ? ` for ${formatDuration(durationMs)}` : ' (Ctrl-C to stop)'}`));
    const fleet = await startFleet(specs, faults, attach);
    const ptys: PtyExposure[] = [];
    if (args.pty) {
      for (const board of fleet.boards) {
        const exposure = await exposeOnPty(boardFarEnd(board));
        ptys.push(exposure);
        if (out.json) out.event({ type: 'pty', board: board.name, path: exposure.path });
        else out.note(`${board.name} serial port: ${out.color.bold(exposure.path)}`);
      }
    }
    await new Promise<void>((resolve) => {
      const timer = durationMs === null ? null : setTimeout(resolve, durationMs);
      const remove = io.onInterrupt?.(() => {
        if (timer) clearTimeout(timer);
        resolve();
      });
      // Without a duration and with no way to be interrupted (embedded use), there is nothing to wait for.
      if (durationMs === null && !remove) resolve();
    });
    for (const exposure of ptys) exposure.close();
    await fleet.stop();
    const summary = fleet.boards.map((b) => ({
      board: b.name,
      mac: b.mac,
      boots: b.bootCount,
      resets: b.resets.map((r) => r.cause),
      telemetry: b.console.filter((l) => /\] INFO telemetry sent/.test(l.line)).length,
      errors: b.console.filter((l) => looksLikeError(l.line)).length,
    }));
    if (out.json) out.event({ type: 'summary', seconds: (Date.now() - startedAt) / 1000, boards: summary });
    else {
      out.line();
      out.line(table(['board', 'mac', 'boots', 'resets', 'payloads', 'errors'], summary.map((s) => [s.board, s.mac, String(s.boots), s.resets.join(', ') || '—', String(s.telemetry), String(s.errors)]), out.color));
    }
    if (crashes.length > 0) throw new DeviceError(`${crashes.length} virtual board${crashes.length > 1 ? 's' : ''} crashed`, { cause: crashes[0] });
  },
});
