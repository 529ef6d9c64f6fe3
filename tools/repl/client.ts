// MicroPython's raw REPL from the host side (shared/reference/protocols.md §1, as mpremote does it):
// interrupt, enter the raw REPL, execute with stdout and stderr apart, raw-paste with flow control,
// plain raw mode when the board refuses raw-paste, and device tracebacks as typed errors.
import { DeviceError } from '../errors.ts';
import { RAW_REPL_BANNER, RawPasteFlow, RawPasteHandshakeParser, RawReplResponseParser, ReplCommands, SOFT_REBOOT, type RawReplResult } from '../serial/codecs.ts';

/** Any byte pipe to a board: a serial link, or a virtual board directly. */
export interface ReplTransport {
  write(bytes: Uint8Array): void | Promise<void>;
  /** Subscribes to bytes from the board; returns the unsubscribe function. */
  subscribe(listener: (bytes: Uint8Array) => void): () => void;
}

/** The board raised an exception: `remote` is its traceback, `exception` its last line's type. */
export class ReplExecError extends DeviceError {
  readonly remote: string;
  readonly exception: string;

  constructor(remote: string) {
    const last = remote.trim().split(/\r?\n/).pop() ?? '';
    super(`the board raised ${last}`, { hint: 'the board\'s traceback is in the error\'s `remote` field (--verbose)' });
    this.remote = remote;
    this.exception = /^(\w+)/.exec(last)?.[1] ?? 'Exception';
  }
}

const RAW_BANNER = Buffer.from(RAW_REPL_BANNER);
const PLAIN_CHUNK = 256;

export interface ExecResult {
  stdout: string;
  stderr: string;
}

export class ReplClient {
  private buffer = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  private readonly unsubscribe: () => void;
  /** Learned on first use: null until the board answered a raw-paste request. */
  rawPaste: boolean | null = null;
  /** Bytes written to the board, for figures and tests. */
  bytesSent = 0;

  constructor(
    private readonly transport: ReplTransport,
    private readonly timeoutMs = 10_000,
  ) {
    this.unsubscribe = transport.subscribe((bytes) => {
      this.buffer = Buffer.concat([this.buffer, bytes]);
      this.wake?.();
    });
  }

  close(): void {
    this.unsubscribe();
  }

  private async send(bytes: Uint8Array | string): Promise<void> {
    const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
    this.bytesSent += data.length;
    await this.transport.write(data);
  }

  /** Waits until `ending` arrives; returns everything before it (and drops the ending). */
  async readUntil(ending: Uint8Array | string, timeoutMs = this.timeoutMs, what = 'the board'): Promise<Buffer> {
    const needle = typeof ending === 'string' ? Buffer.from(ending, 'latin1') : Buffer.from(ending);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const at = this.buffer.indexOf(needle);
      if (at >= 0) {
        const before = this.buffer.subarray(0, at);
        this.buffer = this.buffer.subarray(at + needle.length);
        return before;
      }
      await this.waitForBytes(deadline, `${what} (expected ${JSON.stringify(needle.toString('latin1'))})`);
    }
  }

  /** Resolves when more bytes arrived (or rejects at the deadline). */
  private async waitForBytes(deadline: number, what: string): Promise<void> {
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new DeviceError(`timed out waiting for ${what} (last bytes ${JSON.stringify(this.buffer.subarray(-80).toString('latin1'))})`, {
        hint: 'is the right port open and the board running MicroPython? a program that catches KeyboardInterrupt ignores Ctrl-C',
      });
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.min(left, 1000));
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = null;
  }

  /** Feeds arriving bytes to an incremental codec until it yields; what follows stays buffered. */
  private async parse<T extends { rest: Uint8Array }>(feed: (chunk: Uint8Array) => T | undefined, what: string): Promise<T> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      if (this.buffer.length > 0) {
        const chunk = this.buffer;
        this.buffer = Buffer.alloc(0);
        const result = feed(chunk);
        if (result) {
          this.buffer = Buffer.concat([Buffer.from(result.rest), this.buffer]);
          return result;
        }
      }
      await this.waitForBytes(deadline, what);
    }
  }

  /** Ctrl-C (twice, as pyboard.py does, for programs that catch one), then the raw REPL. */
  async enterRaw(): Promise<void> {
    await this.send(ReplCommands.interrupt);
    await this.send(Uint8Array.of(0x03));
    await new Promise((r) => setTimeout(r, 100));
    this.buffer = Buffer.alloc(0);
    await this.send(ReplCommands.enterRaw);
    await this.readUntil(RAW_BANNER, this.timeoutMs, 'the raw REPL banner');
  }

  async exitRaw(): Promise<void> {
    await this.send(ReplCommands.exitRaw);
  }

  /** Soft reset from the raw REPL: boot.py runs again (main.py does not, as on the boards). */
  async softReset(): Promise<void> {
    await this.send(ReplCommands.softReset);
    await this.readUntil(SOFT_REBOOT, this.timeoutMs, 'the soft reboot');
    await this.readUntil(RAW_BANNER, this.timeoutMs, 'the raw REPL after the soft reboot');
  }

  /** Leaves the raw REPL and soft-resets from the friendly one, so boot.py and main.py run. */
  async restartProgram(): Promise<void> {
    await this.exitRaw();
    await new Promise((r) => setTimeout(r, 50));
    this.buffer = Buffer.alloc(0);
    await this.send(ReplCommands.softReset);
    await this.readUntil(SOFT_REBOOT, this.timeoutMs, 'the soft reboot');
  }

  /** Runs code in the raw REPL (which must be entered); stdout and stderr come back apart. */
  async exec(code: string): Promise<ExecResult> {
    const data = Buffer.from(code, 'utf8');
    const mode = this.rawPaste !== false && (await this.sendRawPaste(data)) ? 'raw-paste' : 'raw';
    if (mode === 'raw') await this.sendPlainRaw(data);
    const parser = this.response ?? new RawReplResponseParser('raw');
    const early = this.early;
    this.response = null;
    this.early = null;
    const { stdout, stderr } = early ?? (await this.parse((chunk) => parser.feed(chunk), 'the end of the output'));
    const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8').replace(/\r\n/g, '\n');
    return { stdout: text(stdout), stderr: text(stderr) };
  }

  /** Like exec, but a traceback becomes a ReplExecError. */
  async run(code: string): Promise<string> {
    const { stdout, stderr } = await this.exec(code);
    if (stderr.length > 0) throw new ReplExecError(stderr);
    return stdout;
  }

  /** The response of a raw-paste exec is parsed from the first byte after the handshake… */
  private response: RawReplResponseParser | null = null;
  /** …and may be complete before the data is (the device aborted, e.g. on a SyntaxError). */
  private early: RawReplResult | null = null;

  /** Raw-paste (codecs in tools/serial/codecs.ts): false when the board refused it or predates it. */
  private async sendRawPaste(data: Buffer): Promise<boolean> {
    await this.send(ReplCommands.rawPasteRequest);
    const handshake = new RawPasteHandshakeParser();
    const answer = await this.parse((chunk) => handshake.feed(chunk), 'the raw-paste answer');
    if (answer.kind !== 'supported') {
      this.rawPaste = false;
      return false;
    }
    this.rawPaste = true;
    // Every device byte from here goes to both the flow control (credits, abort) and the response
    // parser, which skips late credits and starts at the device's one \x04.
    const flow = new RawPasteFlow(answer.window);
    const response = new RawReplResponseParser('raw-paste');
    let early: RawReplResult | undefined;
    const take = (): void => {
      if (this.buffer.length === 0) return;
      const chunk = this.buffer;
      this.buffer = Buffer.alloc(0);
      flow.feed(chunk);
      early ??= response.feed(chunk);
    };
    const deadline = Date.now() + this.timeoutMs;
    let at = 0;
    while (at < data.length && !flow.aborted) {
      take();
      const n = flow.take(data.length - at);
      if (n === 0) {
        await this.waitForBytes(deadline, 'raw-paste credit');
        continue;
      }
      await this.send(data.subarray(at, at + n));
      at += n;
    }
    // End of data, or the acknowledgement of the device's abort.
    await this.send(ReplCommands.endOfInput);
    if (early) this.buffer = Buffer.concat([Buffer.from(early.rest), this.buffer]);
    this.response = response;
    this.early = early ?? null;
    return true;
  }

  private async sendPlainRaw(data: Buffer): Promise<void> {
    for (let at = 0; at < data.length; at += PLAIN_CHUNK) {
      await this.send(data.subarray(at, at + PLAIN_CHUNK));
      await new Promise((r) => setTimeout(r, 10));
    }
    // The response parser checks the "OK" that must come first.
    await this.send(ReplCommands.endOfInput);
  }
}

