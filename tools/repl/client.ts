// MicroPython's raw REPL from the host side (shared/reference/protocols.md §1, as mpremote does it):
// interrupt, enter the raw REPL, execute with stdout and stderr apart, raw-paste with flow control,
// plain raw mode when the board refuses raw-paste, and device tracebacks as typed errors.
import { DeviceError } from '../errors.ts';

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

const RAW_BANNER = Buffer.from('raw REPL; CTRL-B to exit\r\n>');
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
      const left = deadline - Date.now();
      if (left <= 0) {
        const tail = JSON.stringify(this.buffer.subarray(-80).toString('latin1'));
        throw new DeviceError(`timed out waiting for ${what} (expected ${JSON.stringify(needle.toString('latin1'))}; last bytes ${tail})`, {
          hint: 'is the right port open and the board running MicroPython? a running program may ignore Ctrl-C',
        });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  private async readExact(n: number): Promise<Buffer> {
    const deadline = Date.now() + this.timeoutMs;
    while (this.buffer.length < n) {
      if (Date.now() > deadline) throw new DeviceError(`timed out waiting for ${n} bytes from the board`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    const out = this.buffer.subarray(0, n);
    this.buffer = this.buffer.subarray(n);
    return out;
  }

  /** Ctrl-C (twice, as pyboard.py does, for programs that catch one), then the raw REPL. */
  async enterRaw(): Promise<void> {
    await this.send('\r\x03\x03');
    await new Promise((r) => setTimeout(r, 100));
    this.buffer = Buffer.alloc(0);
    await this.send('\r\x01');
    await this.readUntil(RAW_BANNER, this.timeoutMs, 'the raw REPL banner');
  }

  async exitRaw(): Promise<void> {
    await this.send('\r\x02');
  }

  /** Soft reset from the raw REPL: boot.py runs again (main.py does not, as on the boards). */
  async softReset(): Promise<void> {
    await this.send('\x04');
    await this.readUntil('soft reboot\r\n', this.timeoutMs, 'the soft reboot');
    await this.readUntil(RAW_BANNER, this.timeoutMs, 'the raw REPL after the soft reboot');
  }

  /** Leaves the raw REPL and soft-resets from the friendly one, so boot.py and main.py run. */
  async restartProgram(): Promise<void> {
    await this.exitRaw();
    await new Promise((r) => setTimeout(r, 50));
    this.buffer = Buffer.alloc(0);
    await this.send('\x04');
    await this.readUntil('soft reboot\r\n', this.timeoutMs, 'the soft reboot');
  }

  /** Runs code in the raw REPL (which must be entered); stdout and stderr come back apart. */
  async exec(code: string): Promise<ExecResult> {
    const data = Buffer.from(code, 'utf8');
    if (this.rawPaste !== false && (await this.sendRawPaste(data))) return this.readResult();
    await this.sendPlainRaw(data);
    return this.readResult();
  }

  /** Like exec, but a traceback becomes a ReplExecError. */
  async run(code: string): Promise<string> {
    const { stdout, stderr } = await this.exec(code);
    if (stderr.length > 0) throw new ReplExecError(stderr);
    return stdout;
  }

  private async readResult(): Promise<ExecResult> {
    const stdout = (await this.readUntil('\x04', this.timeoutMs, 'the end of the output')).toString('utf8');
    const stderr = (await this.readUntil('\x04', this.timeoutMs, 'the end of the error output')).toString('utf8');
    await this.readUntil('>', this.timeoutMs, 'the raw REPL prompt');
    return { stdout: stdout.replace(/\r\n/g, '\n'), stderr: stderr.replace(/\r\n/g, '\n') };
  }

  /** Raw-paste: false when the board refused it (the caller falls back to plain raw mode). */
  private async sendRawPaste(data: Buffer): Promise<boolean> {
    await this.send('\x05A\x01');
    const answer = await this.readExact(2);
    if (answer[0] !== 0x52 || (answer[1] !== 0x00 && answer[1] !== 0x01)) {
      // Firmware before raw-paste reprints the raw banner instead of answering.
      await this.readUntil('w REPL; CTRL-B to exit\r\n>', this.timeoutMs, 'the raw REPL banner');
      this.rawPaste = false;
      return false;
    }
    if (answer[1] === 0x00) {
      this.rawPaste = false;
      return false;
    }
    this.rawPaste = true;
    const window = (await this.readExact(2)).readUInt16LE(0);
    // The device's first 0x01 (read below) grants a window too: 2 × window may be in flight.
    let credit = window;
    let at = 0;
    while (at < data.length) {
      while (credit === 0 || this.buffer.length > 0) {
        const [flag] = await this.readExact(1);
        if (flag === 0x01) credit += window;
        else if (flag === 0x04) {
          // The device aborted (e.g. a syntax error it found early): acknowledge and report.
          await this.send('\x04');
          return true;
        }
      }
      const piece = data.subarray(at, at + credit);
      await this.send(piece);
      credit -= piece.length;
      at += piece.length;
    }
    await this.send('\x04');
    await this.readUntil('\x04', this.timeoutMs, 'the end-of-data echo');
    return true;
  }

  private async sendPlainRaw(data: Buffer): Promise<void> {
    for (let at = 0; at < data.length; at += PLAIN_CHUNK) {
      await this.send(data.subarray(at, at + PLAIN_CHUNK));
      await new Promise((r) => setTimeout(r, 10));
    }
    await this.send('\x04');
    const ok = await this.readExact(2);
    if (ok.toString('latin1') !== 'OK') throw new DeviceError(`the raw REPL did not accept the code (answered ${JSON.stringify(ok.toString('latin1'))})`);
  }
}
