// A serialport binding whose ports are software "far ends" (a virtual board's REPL, a ROM
// loader, an echo device). `SerialPort`/`SerialPortStream` run over it unchanged, so everything
// above the binding is exercised exactly as with a USB adapter.
//
// Rules kept from @serialport/bindings-interface: `read` resolves with at least one byte; reads
// and writes in progress when the port closes reject with `canceled: true`; any other error is a
// disconnection. What a real port does that this one copies: opening asserts DTR and RTS (Linux
// and macOS termios), closing drops both when `hupcl` (the default), a second open of a locked
// port fails, and unplugging fails the pending read with ENXIO, which SerialPortStream turns into
// a 'close' carrying `disconnected: true`.
// The package's "exports" map gives ESM no types; its CJS typings are the same interface.
import type { BindingInterface, BindingPortInterface, OpenOptions, PortInfo, PortStatus, SetOptions, UpdateOptions } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { ByteThrottle, uartBytesPerSecond } from './throttle.ts';

export { EspResetDecoder, type EspBootMode, type EspLines, type EspResetEvent, type EspWiring } from './espReset.ts';

export interface SerialFarEnd {
  /** Called each time the host opens the port; `emit` sends device→host bytes until that session ends. */
  connect(emit: (bytes: Uint8Array) => void): void;
  /** Host→device bytes. */
  receive(bytes: Uint8Array): void;
  /** The host changed the lines (also called on open: both asserted, and on close with hupcl: both released).
   *  ESP dev boards wire RTS → EN and DTR → IO0; see EspResetDecoder. */
  signals?(lines: { dtr: boolean; rts: boolean }): void;
  /** The host set the baud rate (on open, then on every change). */
  baudRate?(baud: number): void;
  /** The host closed the port, or the port was unplugged. */
  disconnect?(): void;
}

export interface VirtualPortOptions {
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  serialNumber?: string;
  /** Pace both directions at baud ÷ 10 bytes/s, so transfers take real time. */
  throttle?: boolean;
}

export interface VirtualPortState {
  isOpen: boolean;
  lines: { dtr: boolean; rts: boolean };
  baudRate: number | undefined;
}

interface Entry {
  farEnd: SerialFarEnd;
  info: PortInfo;
  throttle: boolean;
  open: VirtualPortBinding | undefined;
}

const ports = new Map<string, Entry>();

type BindingError = Error & { canceled?: boolean; disconnect?: boolean; code?: string };
const canceled = (message: string): BindingError => Object.assign(new Error(message), { canceled: true });
const unplugged = (path: string): BindingError =>
  Object.assign(new Error(`No such device or address: ${path} was unplugged`), { code: 'ENXIO', disconnect: true });
const nextTick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

/** Registers a port at `path` (any string; `/dev/ttyVIRT0` reads well in messages). */
export function createVirtualPort(path: string, farEnd: SerialFarEnd, options: VirtualPortOptions = {}): void {
  if (ports.has(path)) throw new Error(`virtual port ${path} already exists; removeVirtualPort('${path}') first`);
  ports.set(path, {
    farEnd,
    throttle: options.throttle ?? false,
    open: undefined,
    info: {
      path,
      manufacturer: options.manufacturer,
      serialNumber: options.serialNumber,
      pnpId: undefined,
      locationId: undefined,
      vendorId: options.vendorId,
      productId: options.productId,
    },
  });
}

/** Unplugs the port: it leaves `list()`, and an open port fails as a pulled USB cable does. */
export function removeVirtualPort(path: string): boolean {
  const entry = ports.get(path);
  if (!entry) return false;
  ports.delete(path);
  entry.open?.unplug();
  return true;
}

/** What the host did to the port, for tests and the simulator's status line. */
export function virtualPortState(path: string): VirtualPortState | undefined {
  const entry = ports.get(path);
  if (!entry) return undefined;
  const port = entry.open;
  return { isOpen: port !== undefined, lines: port ? { ...port.lines } : { dtr: false, rts: false }, baudRate: port?.baudRate };
}

export const VirtualBinding: BindingInterface<VirtualPortBinding, OpenOptions, PortInfo> = {
  async list() {
    return [...ports.values()].map((entry) => ({ ...entry.info }));
  },

  async open(options) {
    if (!options || typeof options !== 'object') throw new TypeError('"options" is not an object');
    if (!options.path) throw new TypeError('"path" is not a valid port');
    if (typeof options.baudRate !== 'number' || !(options.baudRate > 0)) throw new TypeError('"baudRate" is not a valid baudRate');
    const openOptions: Required<OpenOptions> = {
      dataBits: 8, lock: true, stopBits: 1, parity: 'none', rtscts: false, xon: false, xoff: false, xany: false, hupcl: true,
      ...options,
    };
    await nextTick();
    const entry = ports.get(options.path);
    if (!entry) throw Object.assign(new Error(`No such file or directory, cannot open ${options.path}`), { code: 'ENOENT' });
    // Virtual ports take one host at a time, even with lock: false (a second reader would split the stream).
    if (entry.open) throw Object.assign(new Error(`Resource temporarily unavailable, cannot lock port ${options.path}`), { code: 'EBUSY' });
    const port = new VirtualPortBinding(entry, openOptions);
    entry.open = port;
    port.start();
    return port;
  },
};

export class VirtualPortBinding implements BindingPortInterface {
  readonly openOptions: Required<OpenOptions>;
  isOpen = true;
  baudRate: number;
  lines = { dtr: true, rts: true };
  private readonly rx: Buffer[] = [];
  private pendingRead: { resolve: () => void; reject: (error: Error) => void } | undefined;
  private writing: Promise<void> | undefined;
  private gone: BindingError | undefined;
  private readonly toHost: ByteThrottle;
  private readonly toDevice: ByteThrottle;

  constructor(private readonly entry: Entry, openOptions: Required<OpenOptions>) {
    this.openOptions = openOptions;
    this.baudRate = openOptions.baudRate;
    const rate = (): number => (entry.throttle ? uartBytesPerSecond(this.baudRate) : Infinity);
    this.toDevice = new ByteThrottle(rate, (bytes) => entry.farEnd.receive(bytes));
    this.toHost = new ByteThrottle(rate, (bytes) => {
      this.rx.push(Buffer.from(bytes));
      this.pendingRead?.resolve();
    });
  }

  /** Called by `open` once registered: the far end learns of the host, its lines and speed. */
  start(): void {
    const farEnd = this.entry.farEnd;
    farEnd.connect((bytes) => {
      // Bytes sent while nobody has the port open are lost, as on a real UART.
      if (this.isOpen && !this.gone && bytes.length > 0) this.toHost.send(Uint8Array.from(bytes)).catch(() => {});
    });
    farEnd.signals?.({ ...this.lines });
    farEnd.baudRate?.(this.baudRate);
  }

  /** removeVirtualPort: everything in flight fails as a disconnection; `close()` still succeeds. */
  unplug(): void {
    if (!this.isOpen || this.gone) return;
    this.gone = unplugged(this.entry.info.path);
    this.toHost.clear(this.gone);
    this.toDevice.clear(this.gone);
    this.rx.length = 0;
    this.pendingRead?.reject(this.gone);
    this.entry.farEnd.disconnect?.();
  }

  async read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (!Buffer.isBuffer(buffer)) throw new TypeError('"buffer" is not a Buffer');
    if (!Number.isInteger(offset) || !Number.isInteger(length) || length < 1) throw new TypeError('"offset" and "length" must be integers, length ≥ 1');
    if (buffer.length < offset + length) throw new Error('buffer is too small');
    if (this.pendingRead) throw new Error('a read is already in progress');
    for (;;) {
      if (!this.isOpen) throw canceled('Read canceled: port is closed');
      if (this.gone) throw this.gone;
      if (this.rx.length > 0) break;
      await new Promise<void>((resolve, reject) => {
        this.pendingRead = { resolve, reject };
      }).finally(() => {
        this.pendingRead = undefined;
      });
    }
    let bytesRead = 0;
    while (bytesRead < length && this.rx.length > 0) {
      const head = this.rx[0]!;
      const n = head.copy(buffer, offset + bytesRead, 0, Math.min(head.length, length - bytesRead));
      bytesRead += n;
      if (n === head.length) this.rx.shift();
      else this.rx[0] = head.subarray(n);
    }
    return { buffer, bytesRead };
  }

  async write(buffer: Buffer): Promise<void> {
    if (!Buffer.isBuffer(buffer)) throw new TypeError('"buffer" is not a Buffer');
    this.assertUsable();
    if (this.writing) throw new Error('Overlapping writes are not supported and should be queued by the serialport object');
    // No OS buffer here: a write resolves when the far end has the bytes, so throttled writes take wire time.
    this.writing = this.toDevice.send(Uint8Array.from(buffer)).finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  async update(options: UpdateOptions): Promise<void> {
    if (typeof options?.baudRate !== 'number' || !(options.baudRate > 0)) throw new TypeError('"options.baudRate" is not a number');
    this.assertUsable();
    this.baudRate = options.baudRate;
    this.entry.farEnd.baudRate?.(this.baudRate);
    await nextTick();
  }

  async set(options: SetOptions): Promise<void> {
    if (typeof options !== 'object') throw new TypeError('"options" is not an object');
    this.assertUsable();
    // Like the OS bindings, every call rewrites both lines; an omitted one gets node-serialport's default (asserted).
    // The far end hears of it before the promise settles, so its timestamps match the host's call.
    this.setLines({ dtr: options.dtr ?? true, rts: options.rts ?? true });
    await nextTick();
  }

  async get(): Promise<PortStatus> {
    this.assertUsable();
    await nextTick();
    return { cts: false, dsr: false, dcd: false };
  }

  async getBaudRate(): Promise<{ baudRate: number }> {
    this.assertUsable();
    await nextTick();
    return { baudRate: this.baudRate };
  }

  async flush(): Promise<void> {
    this.assertUsable();
    this.rx.length = 0;
    this.toHost.clear();
    this.toDevice.clear();
    await nextTick();
  }

  async drain(): Promise<void> {
    this.assertUsable();
    await this.writing?.catch(() => {});
    await nextTick();
  }

  async close(): Promise<void> {
    if (!this.isOpen) throw new Error('Port is not open');
    this.isOpen = false;
    if (this.entry.open === this) this.entry.open = undefined;
    const error = canceled('Port is closed');
    this.toHost.clear(error);
    this.toDevice.clear(error);
    this.rx.length = 0;
    this.pendingRead?.reject(error);
    if (!this.gone) {
      if (this.openOptions.hupcl) this.setLines({ dtr: false, rts: false });
      this.entry.farEnd.disconnect?.();
    }
  }

  private setLines(lines: { dtr: boolean; rts: boolean }): void {
    if (lines.dtr === this.lines.dtr && lines.rts === this.lines.rts) return;
    this.lines = lines;
    this.entry.farEnd.signals?.({ ...lines });
  }

  private assertUsable(): void {
    if (!this.isOpen) throw new Error('Port is not open');
    if (this.gone) throw this.gone;
  }
}
