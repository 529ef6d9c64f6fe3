// The CLI's only window on the world: streams, colour, and the redactor every line passes through.
import pc from 'picocolors';
import { Redactor } from '../config/secrets.ts';
import { ExitCode } from '../errors.ts';

export type InterruptReason = 'signal' | 'stdout-closed';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** stdout is an interactive terminal (live tables, progress bars). */
  isTTY: boolean;
  /**
   * Long-running commands register what Ctrl-C (SIGINT/SIGTERM) should do: stop cleanly and
   * summarize. With no handler registered, Ctrl-C exits at once (exit 130) as usual.
   * Returns a function that removes the handler. The handler learns why: a signal (exit 130) or
   * 'stdout-closed' (the reader of a pipe went away, as in `watch --json | head -1`: nobody is
   * left to read the output, so stop, but it is not an interruption).
   */
  onInterrupt?: (handler: (reason?: InterruptReason) => void) => () => void;
  /**
   * What to write when Ctrl-C ends a command that registered no handler (the process exits at once):
   * a --json run still ends with its one document.
   */
  setLastWords?: (write: () => void) => void;
  /** Keyboard input for interactive commands (monitor). */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  /** The serialport binding to use instead of the OS one (virtual ports in tests). */
  serialBinding?: import('@serialport/bindings-interface', { with: { 'resolution-mode': 'require' } }).BindingInterface;
}

export interface Output {
  /** Machine-readable stdout (--json or --jsonl): no human lines there. */
  readonly json: boolean;
  /** --jsonl: a streaming command writes one JSON object per line as things happen. */
  readonly jsonl: boolean;
  readonly verbose: boolean;
  readonly color: ReturnType<typeof pc.createColors>;
  /** Secrets of the loaded project; commands add to it as soon as they load one. */
  readonly redactor: Redactor;
  /** A human line on stdout (suppressed in --json/--jsonl mode). */
  line(text?: string): void;
  /** A warning or progress note on stderr (kept in --json mode, where stdout is for the document). */
  note(text: string): void;
  /**
   * The command's result. --json: the one document on stdout, written when the command ends (a later
   * call replaces an earlier one; a failure merges its error into it). --jsonl: the last line, as
   * {"type": "summary", …}.
   */
  document(value: unknown): void;
  /** What document() holds so far (undefined when nothing yet). */
  pendingDocument(): unknown;
  /** One event of a streaming command: a JSON line with --jsonl, nothing otherwise (--json summarizes at the end). */
  event(value: { type: string } & Record<string, unknown>): void;
  /** Writes the pending --json document; the CLI calls it once, when the command ends. */
  flush(): void;
}

export function createOutput(io: CliIo, flags: { json: boolean; jsonl?: boolean; verbose: boolean; color: boolean }): Output {
  const redactor = new Redactor();
  const color = pc.createColors(flags.color);
  const jsonl = Boolean(flags.jsonl);
  const machine = flags.json || jsonl;
  let pending: { value: unknown } | undefined;
  const writeLine = (value: Record<string, unknown>): void => {
    io.stdout(JSON.stringify(redactor.redactJson(isoTimestamps({ ...value, at: value.at ?? Date.now() }))) + '\n');
  };
  return {
    json: machine,
    jsonl,
    verbose: flags.verbose,
    color,
    redactor,
    line(text = '') {
      if (!machine) io.stdout(redactor.redact(text) + '\n');
    },
    note(text) {
      io.stderr(redactor.redact(text) + '\n');
    },
    document(value) {
      if (jsonl) writeLine({ type: 'summary', ...(isPlainObject(value) ? value : { value }) });
      else if (flags.json) pending = { value };
    },
    pendingDocument: () => pending?.value,
    event(value) {
      if (jsonl) writeLine(value);
    },
    flush() {
      if (!pending) return;
      io.stdout(JSON.stringify(redactor.redactJson(isoTimestamps(pending.value)), null, 2) + '\n');
      pending = undefined;
    },
  };
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value) as object | null);

/** Fields holding what a board sent (its payload, reply, state document): shown exactly as sent. */
const BOARD_DATA = new Set(['payload', 'lastPayload', 'reply', 'state']);

/**
 * One timestamp format in every JSON output: ISO 8601 UTC with milliseconds. Library values carry
 * epoch milliseconds in fields named `at`, `…At`, `firstSeen` and `lastSeen`; they are converted
 * here, but never inside a board's own data (a payload's `measuredAt` is what the firmware sent).
 */
export function isoTimestamps(value: unknown, key = ''): unknown {
  if (BOARD_DATA.has(key)) return value;
  if (typeof value === 'number' && (key === 'at' || key.endsWith('At') || key === 'firstSeen' || key === 'lastSeen') && Number.isFinite(value) && value > 1e11) {
    return new Date(value).toISOString();
  }
  if (Array.isArray(value)) return value.map((item) => isoTimestamps(item));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isoTimestamps(v, k)]));
  return value;
}

export function processIo(): CliIo {
  const handlers = new Set<(reason?: InterruptReason) => void>();
  let interrupted = false;
  let lastWords: (() => void) | undefined;
  const onSignal = (): void => {
    // A second Ctrl-C while shutting down, or one nobody handles, exits at once.
    if (interrupted || handlers.size === 0) {
      if (!interrupted) lastWords?.();
      process.exit(ExitCode.interrupted);
    }
    interrupted = true;
    for (const handler of handlers) handler('signal');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // `mpy-iot check | head -1`: once the reader has closed the pipe, writes fail with EPIPE. Like
  // other Unix tools, stop writing quietly (no stack trace) and let the command finish with its
  // own exit code; a streaming command stops, since nobody reads what it would print.
  let stdoutOpen = true;
  let stderrOpen = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    if (!stdoutOpen) return;
    stdoutOpen = false;
    for (const handler of handlers) handler('stdout-closed');
  });
  process.stderr.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    stderrOpen = false;
  });
  return {
    onInterrupt: (handler) => {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    setLastWords: (write) => (lastWords = write),
    stdin: process.stdin,
    stdout: (t) => stdoutOpen && process.stdout.write(t),
    stderr: (t) => stderrOpen && process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
    isTTY: Boolean(process.stdout.isTTY),
  };
}

/** Colour unless NO_COLOR is set, --no-color was given, or output is not a terminal. */
export function wantsColor(io: CliIo, flag: boolean | undefined): boolean {
  if (flag !== undefined) return flag;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return io.isTTY;
}
