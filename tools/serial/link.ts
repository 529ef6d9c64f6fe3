// SerialLink: the one small contract every serial user here (REPL client, monitor, flasher
// adapter) talks to, and its node-serialport implementation.
//
// Rules:
// - Promise-based; every failure is a DeviceError (exit 3). A pulled cable is a
//   SerialDisconnectedError (`disconnected: true`), whether it shows up in a pending write,
//   set/update, or while idle.
// - Bytes arrive through `on('data')` from the moment `open()` resolves. Attach the listener
//   before opening: bytes that arrive while no 'data' listener is attached are dropped, like a
//   UART nobody reads (this keeps memory bounded for a chatty board).
// - 'close' fires once per open: with undefined after `close()`, with the SerialDisconnectedError
//   when the port went away. 'error' carries the same error and only fires when someone listens
//   (so an unobserved unplug never crashes the process); 'close' alone is enough.
// - `write` resolves when the bytes were handed to the OS (the virtual binding: to the far end).
// - `setSignals` always sets DTR and RTS together, in one call.
// - `open()` after `close()` (or after a disconnect) opens the port again; esptool-js changes
//   baud that way. Each open is a fresh SerialPort stream: one destroyed by a failed write
//   cannot be reopened.
import type { SerialPort } from 'serialport';
import type { BindingInterface } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { DeviceError } from '../errors.ts';
import { busyHint, permissionHint } from './hints.ts';

export interface SerialSignals {
  /** Data Terminal Ready; on ESP dev boards it drives IO0 (boot mode). */
  dtr: boolean;
  /** Request To Send; on ESP dev boards it drives EN (reset). */
  rts: boolean;
}

/** USB identity when known; hex strings as node-serialport reports them, lower-cased. */
export interface SerialLinkInfo {
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  serialNumber?: string;
}

export interface SerialLinkEvents {
  data: (chunk: Uint8Array) => void;
  close: (error: SerialDisconnectedError | undefined) => void;
  error: (error: DeviceError) => void;
}

export interface SerialLink {
  readonly path: string;
  readonly isOpen: boolean;
  readonly baudRate: number;
  readonly info: SerialLinkInfo;
  open(): Promise<void>;
  /** Idempotent: resolves at once when already closed. */
  close(): Promise<void>;
  write(bytes: Uint8Array): Promise<void>;
  setSignals(lines: SerialSignals): Promise<void>;
  setBaudRate(baudRate: number): Promise<void>;
  on<E extends keyof SerialLinkEvents>(event: E, listener: SerialLinkEvents[E]): this;
  off<E extends keyof SerialLinkEvents>(event: E, listener: SerialLinkEvents[E]): this;
}

/** The port went away (cable pulled, board reset its USB, driver unloaded). */
export class SerialDisconnectedError extends DeviceError {
  readonly disconnected = true;
}

export interface SerialLinkOptions {
  baudRate: number;
  /** A serialport binding; defaults to the OS one. Tests pass VirtualBinding. */
  binding?: BindingInterface;
  /** Exclusive access (default true, as node-serialport): a second opener fails instead of stealing bytes. */
  lock?: boolean;
  /** Drop DTR/RTS on close (default true, as node-serialport). ESP boards see both lines released: no reset. */
  hupcl?: boolean;
  /** Lines to set right after opening, e.g. both false so a board is not held in reset (Windows drivers). */
  signals?: SerialSignals;
  /** USB identity when the caller already knows it (from listPorts); otherwise looked up on first open. */
  info?: SerialLinkInfo;
}

type BindingError = Error & { canceled?: boolean; disconnected?: boolean; disconnect?: boolean };
const isCanceled = (error: unknown): boolean => (error as BindingError | undefined)?.canceled === true;

/** Creates a link without opening it. */
export function createSerialLink(path: string, options: SerialLinkOptions): SerialLink {
  return new NodeSerialLink(path, options);
}

/** Creates and opens a link; rejects with a DeviceError whose hint names the likely fix. */
export async function openSerialLink(path: string, options: SerialLinkOptions): Promise<SerialLink> {
  const link = new NodeSerialLink(path, options);
  await link.open();
  return link;
}

class NodeSerialLink implements SerialLink {
  readonly path: string;
  baudRate: number;
  info: SerialLinkInfo;
  private port: SerialPort | undefined;
  private closeRequested = false;
  private infoLoaded: boolean;
  private lastError: Error | undefined;
  private disconnectError: SerialDisconnectedError | undefined;
  private readonly listeners: { [E in keyof SerialLinkEvents]: Set<SerialLinkEvents[E]> } = {
    data: new Set(),
    close: new Set(),
    error: new Set(),
  };

  constructor(path: string, private readonly options: SerialLinkOptions) {
    this.path = path;
    this.baudRate = options.baudRate;
    this.info = { ...options.info };
    this.infoLoaded = options.info !== undefined;
  }

  get isOpen(): boolean {
    return this.port?.isOpen ?? false;
  }

  on<E extends keyof SerialLinkEvents>(event: E, listener: SerialLinkEvents[E]): this {
    this.listeners[event].add(listener);
    return this;
  }

  off<E extends keyof SerialLinkEvents>(event: E, listener: SerialLinkEvents[E]): this {
    this.listeners[event].delete(listener);
    return this;
  }

  async open(): Promise<void> {
    if (this.port) throw new DeviceError(`${this.path} is already open`);
    const { SerialPort } = await loadSerialPort();
    if (this.port) throw new DeviceError(`${this.path} is already open`); // a concurrent open() won
    // SerialPort spreads these settings over its OS binding, so `binding` replaces it when given
    // (its typings leave `binding` out, hence a plain object rather than a literal).
    const settings = {
      path: this.path,
      baudRate: this.baudRate,
      autoOpen: false,
      lock: this.options.lock ?? true,
      hupcl: this.options.hupcl ?? true,
      ...(this.options.binding ? { binding: this.options.binding } : {}),
    };
    const port = new SerialPort(settings);
    this.port = port;
    this.closeRequested = false;
    this.lastError = undefined;
    this.disconnectError = undefined;
    port.on('data', (chunk: Buffer) => this.emit('data', chunk));
    // A failed write destroys the stream: 'error' then 'close'; keep the cause for the close.
    port.on('error', (error: Error) => {
      this.lastError ??= error;
    });
    port.on('close', (error: Error | null) => this.closed(port, error ?? undefined));
    try {
      await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    } catch (cause) {
      this.port = undefined;
      throw openError(this.path, cause as Error);
    }
    if (this.options.signals) await this.setSignals(this.options.signals);
    if (!this.infoLoaded) await this.loadInfo();
  }

  async close(): Promise<void> {
    const port = this.port;
    // Not open, or already closing after a disconnect: that close reports itself.
    if (!port || !port.isOpen) return;
    this.closeRequested = true;
    await new Promise<void>((resolve, reject) =>
      port.close((error) => (error && !(error as BindingError).disconnected ? reject(new DeviceError(`cannot close ${this.path}: ${error.message}`, { cause: error })) : resolve())),
    );
  }

  async write(bytes: Uint8Array): Promise<void> {
    const port = this.usablePort();
    // Copied: the caller may reuse its buffer as soon as this returns a promise.
    const data = Buffer.from(bytes);
    await new Promise<void>((resolve, reject) => {
      port.write(data, (error) => (error ? reject(this.failure('write', error)) : resolve()));
    });
  }

  async setSignals({ dtr, rts }: SerialSignals): Promise<void> {
    const port = this.usablePort();
    // node-serialport rewrites every line on each set() and resets an omitted one to its default
    // (dtr/rts true), so setting one line alone would also assert the other: the ESP reset
    // circuit would see a spurious reset. Both lines, one call, every time.
    await new Promise<void>((resolve, reject) => port.set({ dtr, rts }, (error) => (error ? reject(this.failure('set DTR/RTS on', error)) : resolve())));
  }

  async setBaudRate(baudRate: number): Promise<void> {
    const port = this.usablePort();
    await new Promise<void>((resolve, reject) => port.update({ baudRate }, (error) => (error ? reject(this.failure(`set ${baudRate} baud on`, error)) : resolve())));
    this.baudRate = baudRate;
  }

  private usablePort(): SerialPort {
    const port = this.port;
    if (port?.isOpen) return port;
    throw this.disconnectError ?? new DeviceError(`${this.path} is not open`);
  }

  /** Maps a stream error: canceled means we closed it; anything else, as SerialPortStream decides, is a disconnection. */
  private failure(action: string, error: Error): DeviceError {
    if (isCanceled(error)) return new DeviceError(`${this.path} was closed during ${action}`, { cause: error });
    if ((error as BindingError).disconnect || (error as BindingError).disconnected || this.disconnectError || !this.port?.isOpen) {
      this.disconnectError ??= disconnected(this.path, error);
      return this.disconnectError;
    }
    return new DeviceError(`cannot ${action} ${this.path}: ${error.message}`, { cause: error });
  }

  private closed(port: SerialPort, error: Error | undefined): void {
    // A destroyed stream emits 'close' before SerialPortStream's own; only the first counts.
    if (port !== this.port) return;
    this.port = undefined;
    const lost = this.closeRequested ? undefined : (this.disconnectError ??= disconnected(this.path, error ?? this.lastError));
    if (lost) this.emit('error', lost);
    this.emit('close', lost);
  }

  private async loadInfo(): Promise<void> {
    this.infoLoaded = true;
    try {
      const ports = await (this.options.binding ?? (await loadSerialPort()).SerialPort.binding).list();
      const found = ports.find((p) => p.path === this.path);
      if (!found) return;
      this.info = {
        vendorId: found.vendorId?.toLowerCase(),
        productId: found.productId?.toLowerCase(),
        manufacturer: found.manufacturer,
        serialNumber: found.serialNumber,
      };
    } catch {
      // Identity is a nicety (e.g. udevadm missing in a container); the link works without it.
    }
  }

  private emit<E extends keyof SerialLinkEvents>(event: E, ...args: Parameters<SerialLinkEvents[E]>): void {
    for (const listener of [...this.listeners[event]]) (listener as (...a: Parameters<SerialLinkEvents[E]>) => void)(...args);
  }
}

/**
 * Imports node-serialport on first use: importing it loads the native binding, and a missing or
 * mismatched prebuild must fail as a DeviceError of the command that needs a port, not crash
 * every command (or the simulator) at start-up.
 */
export async function loadSerialPort(): Promise<typeof import('serialport')> {
  try {
    return await import('serialport');
  } catch (cause) {
    throw new DeviceError(`cannot load node-serialport's native binding: ${(cause as Error).message}`, {
      cause,
      hint: 'Reinstall it for this Node version and platform: `npm rebuild @serialport/bindings-cpp`.',
    });
  }
}

function disconnected(path: string, cause: Error | undefined): SerialDisconnectedError {
  return new SerialDisconnectedError(`${path} disconnected`, {
    cause,
    hint: 'The board went away: check the USB cable and plug, then reopen. A board that resets its USB (ESP32-C3/S3 native USB) reappears after a moment.',
  });
}

function openError(path: string, cause: Error): DeviceError {
  const text = cause.message;
  let hint: string | undefined;
  if (/permission denied|EACCES|access is denied/i.test(text)) hint = permissionHint();
  else if (/lock|busy|EBUSY/i.test(text)) hint = busyHint(path);
  else if (/no such file|does not exist|ENOENT|not found|cannot find/i.test(text)) hint = `No port ${path}: run 'mpy-iot ports' to see what is plugged in.`;
  return new DeviceError(`cannot open ${path}: ${text}`, { cause, hint });
}
