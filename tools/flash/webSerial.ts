// A Web-Serial-shaped `SerialPort` over a SerialLink, so esptool-js (browser-only: its Transport
// wants `navigator.serial`'s port) runs under Node on node-serialport or the virtual binding.
//
// esptool-js is pinned to exactly 0.7.0 in package.json, on purpose: this adapter depends on how
// its Transport drives the port, which is not a public contract and changes between 0.x releases:
// - 0.6.0 switched images and MD5 callbacks from binary strings to Uint8Array (no major bump);
// - its reset code sets DTR and RTS in separate `setSignals()` calls (kept merged here);
// - its read loop takes a new reader per chunk, cancels it to close, and `readLoop()` logs
//   to the terminal ("readLoop exited") unconditionally (flash.ts overrides `trace`);
// - 0.7.0 (absent from the changelog we read) changes baud in place when the port has
//   `setBaudRate`, and otherwise closes and reopens it, as the issue and 0.6 describe.
// Bump it only with the tests in test/flash/ passing against the new version.
import { DeviceError } from '../errors.ts';
import type { SerialLink, SerialLinkInfo, SerialSignals } from '../serial/link.ts';

/** Makes a (closed) link at the given baud; called on every `open()`. */
export type SerialLinkFactory = (baudRate: number) => SerialLink;

/** The subset of Web Serial's `SerialOptions` esptool-js passes; only `baudRate` matters here. */
export interface WebSerialOpenOptions {
  baudRate: number;
  dataBits?: number | undefined;
  stopBits?: number | undefined;
  parity?: string | undefined;
  bufferSize?: number | undefined;
  flowControl?: string | undefined;
}

export interface WebSerialSignals {
  dataTerminalReady?: boolean | undefined;
  requestToSend?: boolean | undefined;
  break?: boolean | undefined;
}

export interface WebSerialPortOptions {
  /** USB identity known before the first open (esptool-js asks for it in its constructor). */
  info?: SerialLinkInfo;
  /**
   * 'reopen' (default): no `setBaudRate`, so esptool-js closes and reopens the port to change
   * speed, as it does with a browser port. 'in-place': expose `setBaudRate`, which esptool-js
   * 0.7 prefers (no close, so no line glitch and no 2 × 50 ms wait).
   */
  baudChange?: 'reopen' | 'in-place';
  /** Told once when the port turns out to have no DTR/RTS (then setSignals does nothing). */
  onNote?: (note: string) => void;
  /** Sees every byte written and read (counting bytes on the wire). */
  onTraffic?: (direction: 'tx' | 'rx', bytes: number) => void;
}

/** What Web Serial's `SerialPort` offers that esptool-js 0.7 uses. */
export class LinkSerialPort {
  private link: SerialLink | undefined;
  private readableStream: ReadableStream<Uint8Array> | undefined;
  private writableStream: WritableStream<Uint8Array> | undefined;
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  private lines: SerialSignals = { dtr: true, rts: true };
  private knownInfo: SerialLinkInfo;
  /** Set when the port went away (unplugged) while open. */
  lost: DeviceError | undefined;
  /** The port refused DTR/RTS once (ENOTTY on a pty); later calls only track the state. */
  linesUnsupported = false;
  /** Present only in 'in-place' mode (esptool-js checks `typeof port.setBaudRate`). */
  readonly setBaudRate: ((baudRate: number) => Promise<void>) | undefined;

  constructor(
    private readonly factory: SerialLinkFactory,
    private readonly options: WebSerialPortOptions = {},
  ) {
    this.knownInfo = { ...options.info };
    this.setBaudRate = options.baudChange === 'in-place' ? (baud) => this.openLink().setBaudRate(baud) : undefined;
  }

  /** The link of the current session (undefined while closed). */
  get current(): SerialLink | undefined {
    return this.link;
  }

  /** DTR/RTS as last set (asserted right after open, as Linux and macOS do). */
  get signals(): SerialSignals {
    return { ...this.lines };
  }

  async open(options: WebSerialOpenOptions): Promise<void> {
    if (this.link) throw new DeviceError('the port is already open');
    const link = this.factory(options.baudRate);
    link.on('data', (chunk) => {
      if (link !== this.link) return;
      this.options.onTraffic?.('rx', chunk.length);
      // Web Serial buffers while nobody reads; esptool-js reads continuously.
      this.controller?.enqueue(Uint8Array.from(chunk));
    });
    link.on('close', (error) => {
      if (link !== this.link || !error) return;
      this.lost = error;
      // Unplugged: a pending read fails, as Web Serial's does with a NetworkError.
      this.controller?.error(error);
      this.controller = undefined;
    });
    this.link = link;
    this.lost = undefined;
    this.lines = { dtr: true, rts: true };
    void this.readable; // buffer from the first byte, as Web Serial does
    try {
      await link.open();
    } catch (error) {
      this.link = undefined;
      this.readableStream = undefined;
      this.controller = undefined;
      throw error;
    }
    if (link.info.vendorId !== undefined) this.knownInfo = { ...link.info };
  }

  /** Web Serial semantics: rejects while a stream is locked; closes both streams and the port. */
  async close(): Promise<void> {
    const link = this.link;
    if (!link) throw new DeviceError('the port is not open');
    if (this.readableStream?.locked || this.writableStream?.locked) throw new TypeError('cannot close the port while its streams are locked');
    await this.readableStream?.cancel().catch(() => {});
    await this.writableStream?.close().catch(() => {});
    this.readableStream = undefined;
    this.writableStream = undefined;
    this.controller = undefined;
    this.link = undefined;
    await link.close();
  }

  /**
   * Closes whatever the streams' state: a pending read ends (done), locks are ignored. For
   * teardown after a failure, where esptool-js may have left a writer locked (its `write()`
   * does not release the lock when the write rejects, so its own `disconnect()` would wait forever).
   */
  async forceClose(): Promise<void> {
    const link = this.link;
    if (!link) return;
    try {
      this.controller?.close();
    } catch {
      // already errored or closed
    }
    this.readableStream = undefined;
    this.writableStream = undefined;
    this.controller = undefined;
    this.link = undefined;
    await link.close().catch(() => {});
  }

  /** Null while closed; recreated after a cancel, as Web Serial's getter does. */
  get readable(): ReadableStream<Uint8Array> | null {
    if (!this.link) return null;
    this.readableStream ??= new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
      },
      cancel: () => {
        this.controller = undefined;
        this.readableStream = undefined;
      },
    });
    return this.readableStream;
  }

  get writable(): WritableStream<Uint8Array> | null {
    if (!this.link) return null;
    this.writableStream ??= new WritableStream<Uint8Array>({
      write: async (chunk) => {
        await this.openLink().write(chunk);
        this.options.onTraffic?.('tx', chunk.length);
      },
      close: () => {
        this.writableStream = undefined;
      },
    });
    return this.writableStream;
  }

  /**
   * esptool-js sets one line per call (`setDTR`, `setRTS`); node-serialport rewrites both lines
   * on every call and asserts an omitted one. So: remember both, and send both in ONE call.
   */
  async setSignals(signals: WebSerialSignals): Promise<void> {
    const link = this.openLink();
    const lines = {
      dtr: signals.dataTerminalReady ?? this.lines.dtr,
      rts: signals.requestToSend ?? this.lines.rts,
    };
    this.lines = lines;
    if (this.linesUnsupported) return;
    try {
      await link.setSignals(lines);
    } catch (error) {
      // A pseudo-terminal (a simulator's port) or a bare UART has no modem lines: the ioctl fails.
      // Carry on without them, as with a board that has no auto-reset circuit.
      if (!/inappropriate ioctl|ENOTTY|EINVAL|not supported/i.test((error as Error).message)) throw error;
      this.linesUnsupported = true;
      this.options.onNote?.(`${link.path} has no DTR/RTS lines (a pseudo-terminal?): no automatic reset, so the board must already be in download mode (hold BOOT, press EN) and is not restarted afterwards`);
    }
  }

  /** Numbers, as Web Serial reports them; node-serialport has hex strings. */
  getInfo(): { usbVendorId?: number; usbProductId?: number } {
    const info = this.link?.info.vendorId !== undefined ? this.link.info : this.knownInfo;
    const hex = (value: string | undefined): number | undefined => (value === undefined || !/^[0-9a-f]+$/i.test(value) ? undefined : Number.parseInt(value, 16));
    const usbVendorId = hex(info.vendorId);
    const usbProductId = hex(info.productId);
    return { ...(usbVendorId === undefined ? {} : { usbVendorId }), ...(usbProductId === undefined ? {} : { usbProductId }) };
  }

  private openLink(): SerialLink {
    if (!this.link) throw new DeviceError('the port is not open');
    return this.link;
  }
}
