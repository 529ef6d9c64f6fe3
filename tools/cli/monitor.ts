import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';
import { openSerialLink, type SerialLink } from '../serial/index.ts';
import { defineCommand, jsonlOption } from './command.ts';
import { lineStamper } from './lineStamper.ts';

interface MonitorArgs {
  port: string | undefined;
  baud: number;
  timestamps: boolean;
  log: string | undefined;
  reset: boolean;
}

const EXIT = 0x1d; // Ctrl-]
const MENU = 0x14; // Ctrl-T
/** How long a port that does not exist when monitor starts may take to appear. */
const FIRST_OPEN_GRACE_MS = 3000;

export const monitorCommand = defineCommand<MonitorArgs>({
  command: 'monitor',
  describe: "The board's serial console: REPL and firmware output, with timestamps and a log file",
  builder: (y) =>
    jsonlOption(y)
      .option('port', { type: 'string', requiresArg: true, describe: 'Serial port (see `mpy-iot ports`)' })
      .option('baud', { type: 'number', default: 115200, describe: 'Baud rate' })
      .option('timestamps', { type: 'boolean', default: false, describe: 'Prefix every line with the time it arrived' })
      .option('log', { type: 'string', requiresArg: true, describe: 'Also append everything to this file (with timestamps)' })
      .option('reset', { type: 'boolean', default: false, describe: 'Hard-reset the board (RTS pulse) once connected' })
      .example('$0 monitor --port /dev/ttyUSB0 --timestamps', 'Watch the board; Ctrl-] quits, Ctrl-T R hard-resets, Ctrl-T D soft-resets')
      .example('$0 monitor --port /dev/pts/3 --log lab.log', 'A virtual board from `simulate --pty`, logged to lab.log')
      .example('$0 monitor --port /dev/ttyUSB0 --jsonl', 'Every line the board prints as a JSON line; --json: only a summary when it closes')
      .epilog('Keys: Ctrl-] quit · Ctrl-T R hard reset (EN via RTS) · Ctrl-T D soft reset (Ctrl-D) · everything else goes to the board (Ctrl-C stops its program).'),
  async run(args, { io, out }) {
    if (!args.port) throw new InputError('which port?', [], { hint: 'pass --port PATH (see `mpy-iot ports`)' });
    const port = args.port;
    const c = out.color;
    const logFile = args.log ? path.resolve(io.cwd, args.log) : null;
    let atLineStart = true;
    let pendingLine = '';
    const decoder = new TextDecoder();
    const stamp = (): string => new Date().toISOString().slice(11, 23);
    const stampLog = lineStamper(stamp);
    const highlight = (line: string): string =>
      /\] ERROR |^Traceback|Error:/.test(line) ? c.red(line) : /telemetry sent/.test(line) ? c.green(line) : /\] WARN /.test(line) ? c.yellow(line) : line;
    const received = { bytes: 0, lines: 0 };
    const show = (bytes: Uint8Array): void => {
      const text = decoder.decode(bytes, { stream: true });
      received.bytes += bytes.length;
      if (logFile) appendFileSync(logFile, stampLog(text));
      // --json/--jsonl: stdout is for JSON only; the board's lines are events (a prompt arrives with its line).
      if (out.json) {
        const parts = (pendingLine + text).split('\n');
        pendingLine = parts.pop() ?? '';
        for (const line of parts) {
          received.lines++;
          out.event({ type: 'console', port, line: line.replace(/\r$/, '') });
        }
        return;
      }
      if (!args.timestamps && !c.isColorSupported) return io.stdout(text);
      // Line by line so timestamps and colours land at line starts; a prompt without \n shows as it comes.
      pendingLine += text;
      const parts = pendingLine.split('\n');
      pendingLine = parts.pop() ?? '';
      for (const line of parts) {
        io.stdout(`${args.timestamps && atLineStart ? c.dim(`[${stamp()}] `) : ''}${highlight(line.replace(/\r$/, ''))}\r\n`);
        atLineStart = true;
      }
      if (pendingLine && /[>:?] $/.test(pendingLine)) {
        io.stdout(`${args.timestamps && atLineStart ? c.dim(`[${stamp()}] `) : ''}${pendingLine}`);
        atLineStart = false;
        pendingLine = '';
      }
    };

    let link: SerialLink | null = null;
    let everConnected = false;
    let stopped = false;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const stop = (): void => {
      stopped = true;
      finish();
    };
    const connect = async (): Promise<void> => {
      const startedAt = Date.now();
      for (let attempt = 0; !stopped; attempt++) {
        try {
          const opened = await openSerialLink(port, { baudRate: args.baud, ...(io.serialBinding ? { binding: io.serialBinding } : {}) });
          opened.on('data', show);
          opened.on('close', (error) => {
            link = null;
            if (stopped || !error) return;
            out.note(c.yellow(`\r\n── ${port} disconnected; waiting for it to come back (Ctrl-] quits) ──`));
            void connect();
          });
          link = opened;
          everConnected = true;
          out.note(c.dim(`── connected to ${port} at ${args.baud} baud; Ctrl-] quits ──`));
          return;
        } catch (error) {
          const missing = /no such|ENOENT|not exist/i.test(String((error as Error).message));
          if (attempt === 0 && !(error as { disconnected?: boolean }).disconnected && !missing) throw error;
          // A port missing from the start gets a short grace (a native-USB board re-enumerates for
          // a second or two after a flash), then a clear error: a typo must not be a blank screen.
          if (link === null && !everConnected && missing) {
            if (attempt === 0) out.note(c.dim(`── ${port} is not there; waiting ${FIRST_OPEN_GRACE_MS / 1000} s for it to appear ──`));
            if (Date.now() - startedAt >= FIRST_OPEN_GRACE_MS) throw error;
          }
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    };
    await connect();
    const reset = async (): Promise<void> => {
      try {
        await hardReset(link);
      } catch (error) {
        // A pseudo-terminal (e.g. from `simulate --pty`) has no modem lines to pulse.
        const noLines = /Inappropriate ioctl|ENOTTY/i.test(String((error as Error).message));
        out.note(c.yellow(noLines
          ? `\r\n── ${port} has no RTS/DTR lines to pulse EN with (a pseudo-terminal, e.g. from \`simulate --pty\`): Ctrl-T D soft-resets instead ──`
          : `\r\n── cannot reset through ${port}: ${(error as Error).message} ──`));
      }
    };
    if (args.reset) await reset();

    let menu = false;
    const onKey = (chunk: Buffer | string): void => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      for (const byte of bytes) {
        if (menu) {
          menu = false;
          if (byte === 0x72 || byte === 0x52) void reset();
          else if (byte === 0x64 || byte === 0x44) void link?.write(Uint8Array.of(0x03, 0x04));
          continue;
        }
        if (byte === EXIT) return stop();
        if (byte === MENU) {
          menu = true;
          continue;
        }
        void link?.write(Uint8Array.of(byte));
      }
    };
    const stdin = io.stdin;
    if (stdin?.isTTY && stdin.setRawMode) stdin.setRawMode(true);
    stdin?.on('data', onKey);
    // The end of a terminal's input is the user leaving; the end of a non-terminal stdin (CI, a
    // background job, </dev/null) only means no keys will come: keep monitoring (and logging)
    // until Ctrl-C or SIGTERM.
    const onEnd = (): void => {
      if (stdin?.isTTY) stop();
    };
    stdin?.on('end', onEnd);
    const removeInterrupt = io.onInterrupt?.(stop);
    await done;
    removeInterrupt?.();
    stdin?.off('data', onKey);
    stdin?.off('end', onEnd);
    if (stdin?.isTTY && stdin.setRawMode) stdin.setRawMode(false);
    if (pendingLine) {
      if (out.json) {
        received.lines++;
        out.event({ type: 'console', port, line: pendingLine.replace(/\r$/, '') });
      } else io.stdout(pendingLine);
    }
    const current = link as SerialLink | null;
    await current?.close();
    out.note(c.dim('\r\n── monitor closed ──'));
    out.document({ ok: true, port, baud: args.baud, bytesReceived: received.bytes, lines: received.lines, ...(logFile ? { log: logFile } : {}) });
  },
});

/** EN low for 100 ms with IO0 high: the board reboots into its program (esptool's hard_reset). */
async function hardReset(link: SerialLink | null): Promise<void> {
  if (!link) return;
  await link.setSignals({ dtr: false, rts: true });
  await new Promise((r) => setTimeout(r, 100));
  await link.setSignals({ dtr: false, rts: false });
}
