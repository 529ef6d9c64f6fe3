import pc from 'picocolors';
import { loadProject } from '../config/index.ts';
import { DeviceError, InputError } from '../errors.ts';
import { formatDuration, parseDuration } from '../shared/duration.ts';
import { parseCount, parsePort } from '../shared/numbers.ts';
import { checkBrokerUrl } from '../shared/brokerUrl.ts';
import type { HostStall, VirtualBoard } from '../sim/board.ts';
import { parseShard, planFleet, startFleet } from '../sim/fleet.ts';
import { watchForKicks } from '../sim/identity.ts';
import { exposeOnPty } from '../sim/pty.ts';
import { boardDevice } from '../sim/serialFarEnd.ts';
import { TEMPERATURE_SCENARIOS, type TemperatureScenario } from '../sim/temperature.ts';
import { defineCommand, jsonlOption, type CommandContext } from './command.ts';
import { loadBoards } from '../boards/index.ts';
import { createVirtualLoader } from '../flash/loader/index.ts';
import { serveRfc2217 } from '../serial/rfc2217/index.ts';

/** Over RFC 2217 each DTR/RTS change is a network round trip (pyserial waits ≥ 50 ms for its answer), so
 *  esptool's classic reset (DTR up, then RTS down) spans ~100 ms where a USB bridge takes microseconds.
 *  Like esptool's esp_rfc2217_server, the board counts IO0 going low that soon after EN rises as one reset. */
const RFC2217_STRAP_WINDOW_MS = 250;
import { RawReplFilter } from './rawReplFilter.ts';
import { table } from './table.ts';
import { untilStopped } from './untilStopped.ts';

interface SimulateArgs {
  device: string[] | undefined;
  all: boolean | undefined;
  count: string;
  shard: string | undefined;
  fleet: string | undefined;
  broker: string | undefined;
  duration: string | undefined;
  'wifi-drop-at': string | undefined;
  'wifi-down-for': string;
  'broker-cut-at': string | undefined;
  temperature: TemperatureScenario | undefined;
  pty: boolean;
  rfc2217: string | undefined;
  loader: string | undefined;
}

/** Firmware ERROR lines and the first and last line of a traceback. */
const looksLikeError = (line: string): boolean => /\] ERROR |^Traceback \(most recent call last\)|^\w+(Error|Exception|Interrupt)\b/.test(line);

const PALETTE = [pc.cyan, pc.magenta, pc.yellow, pc.green, pc.blue, pc.red];

export const simulateCommand = defineCommand<SimulateArgs>({
  command: 'simulate',
  describe: 'Run the built firmware on virtual boards (real MicroPython, real TCP to a real broker)',
  builder: (y) =>
    jsonlOption(y)
      .option('device', { alias: 'd', type: 'string', array: true, requiresArg: true, describe: 'Simulate this device (repeatable; default: all)' })
      .option('all', { type: 'boolean', describe: 'Simulate every device of the project (the default)' })
      .option('count', { type: 'string', default: '1', requiresArg: true, describe: 'Virtual boards per device (copies get #2, #3… and their own MACs)' })
      .option('shard', { type: 'string', requiresArg: true, describe: 'Run only shard i/n of the fleet (one per machine, one external broker): distinct boards, MACs and client ids per shard' })
      .option('fleet', { type: 'string', requiresArg: true, describe: "With --shard: the fleet's name, the same on every machine; two groups sharding the same project against one broker give different names so their boards' MACs differ" })
      .option('broker', { type: 'string', requiresArg: true, describe: "Connect to this broker instead of the project's (e.g. mqtt://127.0.0.1:1883)" })
      .option('duration', { type: 'string', requiresArg: true, describe: 'Stop after this long (30s, 2m); default: until Ctrl-C' })
      .option('wifi-drop-at', { type: 'string', requiresArg: true, describe: 'Fault: Wi-Fi goes out of range at this time' })
      .option('wifi-down-for', { type: 'string', default: '5s', describe: 'How long the injected Wi-Fi loss lasts' })
      .option('broker-cut-at', { type: 'string', requiresArg: true, describe: "Fault: cut every board's TCP connection at this time" })
      .option('temperature', { choices: TEMPERATURE_SCENARIOS, describe: 'What the virtual sensors read' })
      .option('pty', { type: 'boolean', default: false, describe: "Expose each board's serial port on a pseudo-terminal (for monitor, deploy, mpremote…)" })
      .option('rfc2217', { type: 'string', describe: "Serve each board's serial port over RFC 2217 on 127.0.0.1 (from PORT up; no PORT: any free one), with its DTR/RTS reset wiring: esptool --port rfc2217://127.0.0.1:PORT, mpremote connect rfc2217://…" })
      .option('loader', { type: 'string', requiresArg: true, describe: "A board waiting in its ROM bootloader (esp32, esp8266, esp32s3, esp32c3) on a pseudo-terminal, for `mpy-iot flash`" })
      .conflicts('all', 'device')
      .example('$0 simulate --all --duration 20s', 'Every device of the project, for 20 seconds')
      .example('$0 simulate -d team-1 --broker mqtt://127.0.0.1:1883', 'One board against a local broker (e.g. mosquitto)')
      .example('$0 simulate --count 10 --broker-cut-at 15s --json', '10 boards per device, a broker cut at 15 s, a JSON summary at the end')
      .example('$0 simulate --duration 30s --jsonl', 'Console lines, resets and LED changes as JSON Lines as they happen')
      .example('$0 simulate --count 150 --shard 1/2 --broker mqtt://broker.lan:1883', 'Half of a 300-board fleet on this machine; --shard 2/2 on another')
      .example('$0 simulate -d team-1 --pty', 'Prints /dev/pts/N: open it with `mpy-iot monitor --port /dev/pts/N` or mpremote')
      .example('$0 simulate --pty --loader esp32', 'A virtual ESP32 in download mode: `mpy-iot flash --port /dev/pts/N --image fw.bin`'),
  async run(args, { io, out }) {
    // Arguments first: a typo should not wait for the project to load.
    const durationMs = args.duration === undefined ? null : parseDuration(args.duration, '--duration');
    const count = parseCount(args.count, '--count');
    const shard = args.shard === undefined ? undefined : parseShard(args.shard);
    if (args.fleet !== undefined && shard === undefined) {
      throw new InputError(`--fleet ${args.fleet}: names a fleet split with --shard; without --shard every run's MACs are random already`, [], { hint: 'add --shard i/n, or drop --fleet' });
    }
    if (args.fleet !== undefined && args.fleet.trim() === '') throw new InputError('--fleet: the name is empty', [], { hint: 'e.g. --fleet group-2 on every machine of that fleet' });
    if (args.broker !== undefined) checkBrokerUrl(args.broker, '--broker');
    const faults = {
      ...(args['wifi-drop-at'] ? { wifiDropAtMs: parseDuration(args['wifi-drop-at'], '--wifi-drop-at', { allowZero: true }), wifiDownForMs: parseDuration(args['wifi-down-for'], '--wifi-down-for') } : {}),
      ...(args['broker-cut-at'] ? { brokerCutAtMs: parseDuration(args['broker-cut-at'], '--broker-cut-at', { allowZero: true }) } : {}),
    };
    // A bare --rfc2217 means any free port.
    const rfc2217Port = args.rfc2217 === undefined ? undefined : args.rfc2217 === '' ? 0 : parsePort(args.rfc2217, '--rfc2217', { allowAny: true });
    if (args.loader) return simulateLoader(args.loader, durationMs, { pty: args.pty, rfc2217Port }, { io, out });
    const project = loadProject({ project: args.project, cwd: io.cwd, env: io.env });
    out.redactor.absorb(project.redactor);
    const specs = planFleet(project, {
      ...(args.device ? { devices: args.device } : {}),
      count,
      ...(shard ? { shard } : {}),
      ...(args.fleet ? { fleetName: args.fleet.trim() } : {}),
      ...(args.broker ? { brokerUrl: args.broker } : {}),
      ...(args.temperature ? { temperature: args.temperature } : {}),
    });
    const width = Math.max(...specs.map((s) => s.name.length));
    const colourOf = new Map(specs.map((s, i) => [s.name, PALETTE[i % PALETTE.length]!]));
    // The firmware logs the broker its build names; with --broker its TCP really goes elsewhere: show where.
    const target = args.broker ? new URL(args.broker).host : null;
    const redirected = (line: string): string => (target ? line.replace(/^(\[mpy-iot\] INFO mqtt connecting to )(\S+)( as .*)$/, `$1${target} (--broker; the build names $2)$3`) : line);
    const crashes: Error[] = [];
    const startedAt = Date.now();
    const attach = (board: VirtualBoard): void => {
      const colour = out.color.isColorSupported ? colourOf.get(board.name)! : (s: string) => s;
      const raw = new RawReplFilter();
      const show = (line: string): void => out.line(`${colour(board.name.padEnd(width))} │ ${looksLikeError(line) ? out.color.red(line) : line}`);
      board.on('console', (l) => {
        if (out.json) out.event({ type: 'console', board: l.board, stream: l.stream, line: l.line, at: l.at });
        else for (const line of raw.feed(redirected(l.line))) show(line);
      });
      board.on('reset', (e) => {
        if (out.json) return out.event({ type: 'reset', board: board.name, ...e });
        for (const line of raw.reset()) show(line);
        out.line(out.color.yellow(`${board.name.padEnd(width)} │ ── reset (${e.cause}) ──`));
      });
      // The host starved the board (busy cores, a blocked main thread): its watchdog did not count that time.
      board.on('host-stall', (h: HostStall) => (out.json ? out.event({ type: 'host-stall', board: board.name, ...h }) : out.line(out.color.dim(`${board.name.padEnd(width)} │ ── host stall: ${h.ms} ms not run (${h.during}); not counted by its watchdog ──`))));
      board.on('led', (on: boolean) => out.event({ type: 'led', board: board.name, on }));
      board.on('crashed', (error: Error) => {
        crashes.push(error);
        out.note(out.color.red(`${board.name}: ${error.message}`));
      });
    };
    out.note(out.color.dim(`starting ${specs.length} virtual board${specs.length > 1 ? 's' : ''}${args.broker ? ` → ${args.broker}` : ''}${durationMs ? ` for ${formatDuration(durationMs)}` : ' (Ctrl-C to stop)'}`));
    const fleet = await startFleet(specs, faults, attach);
    watchForKicks(fleet.boards, (k) => {
      const other = k.sharedWith.length > 0 ? k.sharedWith.join(', ') : 'another client on the broker (a board of another run or machine?)';
      out.event({ type: 'client-id-collision', ...k });
      out.note(out.color.red(`${k.board}: the broker disconnected it ${k.drops} times, each soon after it connected — client id ${k.clientId} is also used by ${other}; give each board its own mqtt.clientId (the default mpy-iot-{mac} is unique)`));
    });
    const closers: (() => unknown)[] = [];
    const ports: Record<string, string>[] = [];
    // The ROM loader and 4 MiB of flash per board only when a serial port is served.
    for (const [index, board] of (args.pty || rfc2217Port !== undefined ? fleet.boards : []).entries()) {
      const device = boardDevice(board, { strapWindowMs: RFC2217_STRAP_WINDOW_MS });
      closers.push(() => device.dispose());
      // What the ROM prints (a reset into the loader, an erased flash's boot loop) belongs on the console too.
      device.onRomLine((line) => (out.json ? out.event({ type: 'console', board: board.name, stream: 'rom', line }) : out.line(`${board.name.padEnd(width)} │ ${out.color.dim(line)}`)));
      if (args.pty) {
        const exposure = await exposeOnPty(device.port());
        closers.unshift(() => exposure.close());
        ports.push({ board: board.name, pty: exposure.path });
        out.event({ type: 'pty', board: board.name, path: exposure.path });
        out.note(`${board.name} serial port: ${out.color.bold(exposure.path)}`);
      }
      if (rfc2217Port !== undefined) {
        const server = await serveRfc2217(device.port(), { port: rfc2217Port === 0 ? 0 : rfc2217Port + index });
        closers.unshift(() => server.close());
        ports.push({ board: board.name, rfc2217: server.url });
        out.event({ type: 'rfc2217', board: board.name, url: server.url });
        out.note(`${board.name} serial port: ${out.color.bold(server.url)}`);
      }
    }
    await untilStopped(io, durationMs);
    for (const close of closers) await close();
    await fleet.stop();
    const summary = fleet.boards.map((b) => ({
      board: b.name,
      mac: b.mac,
      boots: b.bootCount,
      resets: b.resets.map((r) => r.cause),
      hostStalls: b.hostStalls.length,
      telemetry: b.console.filter((l) => /\] INFO telemetry sent/.test(l.line)).length,
      errors: b.console.filter((l) => looksLikeError(l.line)).length,
    }));
    if (out.json) out.document({ ok: crashes.length === 0, seconds: (Date.now() - startedAt) / 1000, boards: summary, ...(ports.length ? { ports } : {}) });
    else {
      out.line();
      out.line(table(['board', 'mac', 'boots', 'resets', 'payloads', 'errors'], summary.map((s) => [s.board, s.mac, String(s.boots), s.resets.join(', ') || '—', String(s.telemetry), String(s.errors)]), out.color));
    }
    if (crashes.length > 0) throw new DeviceError(`${crashes.length} virtual board${crashes.length > 1 ? 's' : ''} crashed`, { cause: crashes[0] });
  },
});

/** A virtual board held in its ROM bootloader on a pseudo-terminal and/or RFC 2217: the far end for `mpy-iot flash` and esptool. */
async function simulateLoader(boardName: string, durationMs: number | null, transports: { pty: boolean; rfc2217Port: number | undefined }, { io, out }: CommandContext): Promise<number> {
  const boards = loadBoards();
  const board = boards.find(boardName);
  if (!board) throw new InputError(`unknown board '${boardName}'`, [], { hint: `known boards: ${boards.boards.map((b) => b.id).join(', ')}` });
  // Over RFC 2217 each line change costs a round trip: the strap window covers it (see espReset.ts).
  const loader = createVirtualLoader({ chip: board.chip as 'ESP32' | 'ESP8266' | 'ESP32-S3' | 'ESP32-C3', strapWindowMs: RFC2217_STRAP_WINDOW_MS });
  // The board waits in download mode, as if BOOT were held at reset (a pty has no lines to ask for it).
  loader.reset('download');
  const closers: (() => unknown)[] = [];
  if (transports.pty || transports.rfc2217Port === undefined) {
    const exposure = await exposeOnPty(loader.farEnd);
    closers.push(() => exposure.close());
    out.event({ type: 'pty', board: board.id, loader: true, path: exposure.path });
    out.note(`${board.id} ROM loader (download mode) on ${out.color.bold(exposure.path)}`);
  }
  if (transports.rfc2217Port !== undefined) {
    const server = await serveRfc2217(loader.farEnd, { port: transports.rfc2217Port });
    closers.push(() => server.close());
    out.event({ type: 'rfc2217', board: board.id, loader: true, url: server.url });
    out.note(`${board.id} ROM loader (download mode) on ${out.color.bold(server.url)}`);
  }
  await untilStopped(io, durationMs);
  for (const close of closers) await close();
  loader.dispose();
  const summary = { board: board.id, state: loader.state, commands: loader.stats.commands, bytesReceived: loader.stats.bytesReceived };
  if (out.json) out.document({ ok: true, ...summary });
  else out.line(`${board.id} loader: ${summary.commands} commands, ${summary.bytesReceived} bytes received, now in ${summary.state} mode`);
  return 0;
}
