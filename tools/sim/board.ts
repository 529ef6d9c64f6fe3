// A virtual board: a worker running the build in MicroPython, and the host side of its world
// (sockets, Wi-Fi, sensors, LED, resets). Used by tests, `mpy-iot simulate` and `mpy-iot demo`.
import { EventEmitter } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { loadBoards, type BoardProfile } from '../boards/index.ts';
import { DeviceError } from '../errors.ts';
import { readBuild, type BuildImage } from './buildImage.ts';
import { ipForName, newVirtualMac } from './identity.ts';
import { DATA_BYTES, HEADER_BYTES, INPUT_BYTES, READY_BASE, READY_SLOTS, SAB_BYTES, SIGNAL, SLOT, SLOT_COUNT, WIFI_STATUS } from './protocol.mjs';
import { answerHostCall, postReply, type HostReply } from './hostCalls.ts';
import { startBoardWorker } from './boardWorker.ts';
import { hostNow, supervise } from './supervisor.ts';
import { HostSockets } from './sockets.ts';
import { temperatureAt } from './temperature.ts';
import { UartRing } from './uartRing.ts';
import { VirtualWifi } from './wifi.ts';
import type { ConsoleLine, FirmwareIdentity, HostStall, ResetCause, ResetEvent, VirtualBoardOptions, WorkerMessage } from './boardTypes.ts';
import { applyFlashChange } from './flashMirror.ts';

export type { ConsoleLine, FirmwareIdentity, HostStall, ResetCause, ResetEvent, VirtualBoardOptions } from './boardTypes.ts';

/**
 * Events: 'uart' (Uint8Array: every byte the board sends on its serial port), 'console' (ConsoleLine:
 * the same, as lines), 'led' (boolean), 'reset' (ResetEvent), 'boot', 'idle' (main.py ended: the REPL
 * is up), 'exception', 'crashed' (Error), 'stopped', 'host-stall' (HostStall: the host did not let the
 * board run for a while; its watchdog did not count that time).
 */
export class VirtualBoard extends EventEmitter {
  readonly name: string;
  readonly mac: string;
  readonly board: BoardProfile;
  readonly console: ConsoleLine[] = [];
  readonly resets: ResetEvent[] = [];
  /** Times the host starved the board (the newest 100); not resets, and not counted by its watchdog. */
  readonly hostStalls: HostStall[] = [];
  led: boolean | null = null;
  bootCount = 0;
  readonly startedAt = Date.now();

  private worker: Worker | null = null;
  private readonly sab = new SharedArrayBuffer(SAB_BYTES);
  private readonly ctrl = new Int32Array(this.sab, 0, SLOT_COUNT);
  private readonly data = new Uint8Array(this.sab, HEADER_BYTES, DATA_BYTES);
  private readonly uartIn = new UartRing(this.ctrl, new Uint8Array(this.sab, HEADER_BYTES + DATA_BYTES, INPUT_BYTES));
  private partialLine = '';
  private readonly uartDecoder = new TextDecoder();
  private replMode: 'friendly' | 'raw' = 'friendly';
  private readonly sockets: HostSockets;
  private readonly wifi: VirtualWifi;
  /** The flash's files as the next boot gets them. */
  private files: Record<string, Uint8Array>;
  /** The flash's files as the running interpreter has written them so far (see mirrorWrites). */
  private flashFiles: Record<string, Uint8Array> = {};
  private temperatureReads = 0;
  private stopping: Promise<void> | null = null;
  private lastCause: ResetCause = 'power_on';
  /** Set by `hold` (EN low, or the ROM loader running): the interpreter stays stopped until `release`. */
  private holding: Promise<void> | null = null;
  /** What the flashed image says it is (its banner); undefined: the simulator's own. */
  private firmware: FirmwareIdentity | undefined;
  /** Host time (ms) at which the board's RTC read 2000-01-01: set at power-on and by ntptime, kept through resets. */
  private rtcBaseMs = Date.now();
  private softReboot = false;
  /** The running interpreter's thread (Linux), for the supervisor of boards busy in a loop. */
  private threadId: number | null = null;
  /** The running interpreter's Linux thread id (null before it booted or without /proc): what the
   *  host gave it (its CPU and run-queue time) can be read from /proc/self/task/<id>/schedstat. */
  get interpreterThread(): number | null {
    return this.threadId;
  }
  private readonly unsupervise: () => void;
  /** Interpreters whose reset is under way (their own, or the supervisor's bite): each resets once. */
  private readonly resetting = new WeakSet<Worker>();

  constructor(
    private readonly image: BuildImage,
    private readonly options: VirtualBoardOptions,
    board: BoardProfile,
  ) {
    super();
    this.name = options.name ?? image.manifest.device;
    this.mac = options.mac ?? newVirtualMac();
    this.board = board;
    this.files = options.blank ? {} : { ...image.files };
    this.sockets = new HostSockets(options.connectTarget, new Int32Array(this.sab, READY_BASE * 4, READY_SLOTS));
    this.wifi = new VirtualWifi(options.accessPoint ?? null, options.wifiConnectDelayMs ?? 300, ipForName(this.name));
    this.unsupervise = supervise({
      checkIn: () => ({ boot: this.bootCount, beat: Atomics.load(this.ctrl, SLOT.beat), watchdogLeftMs: Atomics.load(this.ctrl, SLOT.watchdogLeftMs) }),
      threadId: () => this.threadId,
      bite: () => this.watchdogBite(),
    });
  }

  /** Boots (or re-boots after a reset) a fresh interpreter over the board's files. */
  async boot(cause: ResetCause): Promise<void> {
    this.bootCount += 1;
    // The receive ring survives a reset (it is the host's side of the wire): only the signals clear.
    for (const slot of [SLOT.signal, SLOT.stallMs, SLOT.reply, SLOT.wake, SLOT.beat]) Atomics.store(this.ctrl, slot, 0);
    Atomics.store(this.ctrl, SLOT.watchdogLeftMs, -1);
    this.threadId = null;
    this.flashFiles = { ...this.files }; // this boot's own copy: written files go in in place
    const worker = await startBoardWorker({
      sab: this.sab,
      mac: this.mac,
      cause,
      bootCount: this.bootCount,
      board: this.board,
      options: this.options,
      rtcBaseMs: this.rtcBaseMs,
      softReboot: this.softReboot,
      files: this.files,
      firmware: this.firmware,
      replMode: this.replMode,
    });
    this.worker = worker;
    worker.on('message', (message: WorkerMessage) => this.onMessage(worker, message));
    worker.on('error', (error) => this.emit('crashed', error));
  }

  private onMessage(worker: Worker, message: WorkerMessage): void {
    switch (message.t) {
      case 'uart':
        this.emit('uart', message.bytes);
        this.splitLines(message.bytes);
        break;
      case 'call':
        void this.answer(message.op, message.args);
        break;
      case 'pin':
        if (message.pin === this.image.config.LED_PIN) {
          this.led = message.value !== this.image.config.LED_ACTIVE_LOW;
          this.emit('led', this.led);
        }
        break;
      case 'event':
        if (message.kind === 'boot') this.threadId = typeof message.threadId === 'number' ? message.threadId : null;
        if (message.kind === 'host-stall') {
          const stall: HostStall = { ms: Number(message.ms), during: String(message.during), at: Date.now() };
          this.hostStalls.push(stall);
          if (this.hostStalls.length > 100) this.hostStalls.shift();
          this.emit('host-stall', stall);
          break;
        }
        this.emit(message.kind, message);
        break;
      case 'reset':
        // Already reset from outside (watchdogBite): its last words do not reset it again.
        if (!this.claimReset(worker)) break;
        // Only a soft reboot keeps the REPL mode; any other reset boots normally (friendly, main.py).
        this.replMode = message.cause === 'soft_reboot' ? message.replMode : 'friendly';
        void this.afterReset(worker, message.cause, message.files);
        break;
      case 'rtc':
        this.rtcBaseMs = message.baseMs;
        break;
      case 'file':
      case 'unlink':
      case 'rename':
      case 'files':
        if (worker === this.worker) this.flashFiles = applyFlashChange(this.flashFiles, message);
        break;
      case 'stopped':
        void worker.terminate();
        this.emit('stopped');
        break;
      case 'crashed':
        this.emit('crashed', new DeviceError(`virtual board ${this.name} crashed: ${message.message}`));
        break;
    }
  }

  /** The serial stream as console lines (for tests, simulate and demo); REPL prompts stay partial. */
  private splitLines(bytes: Uint8Array): void {
    const text = this.partialLine + this.uartDecoder.decode(bytes, { stream: true });
    const lines = text.split('\n');
    this.partialLine = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.replace(/\r$/, '');
      const entry: ConsoleLine = { board: this.name, line, stream: 'stdout', at: Date.now() };
      this.console.push(entry);
      if (this.console.length > (this.options.consoleLimit ?? 5000)) this.console.shift();
      this.emit('console', entry);
    }
  }

  /** Sends bytes to the board's serial port (as a USB-serial adapter would). */
  write(bytes: Uint8Array | string): void {
    this.uartIn.write(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
  }

  /**
   * The supervisor found the board busy on a CPU past its watchdog's period without checking in
   * (a tight loop the interpreter cannot be interrupted in): the watchdog bites from outside.
   * The interpreter's files cannot be read while it spins: those it wrote came as it wrote them.
   */
  private watchdogBite(): void {
    const worker = this.worker;
    if (!worker || this.stopping || !this.claimReset(worker)) return;
    this.replMode = 'friendly';
    void this.afterReset(worker, 'watchdog', 'as-mirrored');
  }

  /**
   * Each interpreter is reset once: by its own reset, or by a watchdog bite from outside, whichever
   * comes first (a supervisor judging it while it unwinds its own reset sees no watchdog time left).
   */
  private claimReset(worker: Worker): boolean {
    if (this.resetting.has(worker)) return false;
    this.resetting.add(worker);
    return true;
  }

  /** `files`: the flash after the reset; 'as-mirrored': what the interpreter had written, read once it has ended. */
  private async afterReset(worker: Worker, cause: string, files: Record<string, Uint8Array> | 'as-mirrored'): Promise<void> {
    await worker.terminate();
    // A reset drops the board's TCP connections; the broker notices at once (and sends the will).
    this.sockets.closeAll();
    this.files = files === 'as-mirrored' ? this.flashFiles : files;
    if (this.holding) {
      if (this.worker === worker) this.worker = null;
      this.emit('held');
      return;
    }
    const softReboot = cause === 'soft_reboot';
    await this.reboot(softReboot ? this.lastCause : (cause as ResetCause), softReboot);
  }

  /** Boots again after a reset (`cause`: as the next boot reports it) or a soft reboot. */
  private async reboot(cause: ResetCause, softReboot: boolean): Promise<void> {
    this.softReboot = softReboot;
    this.lastCause = cause;
    if (!softReboot) {
      // A chip reset drops the Wi-Fi association (a soft reboot keeps it, as on the ports); the RTC
      // survives a software or watchdog reset but not the reset pin.
      this.wifi.disconnect();
      this.publishWifi();
      if (cause === 'hard') this.rtcBaseMs = Date.now();
    }
    const event: ResetEvent = { cause, at: Date.now() };
    this.resets.push(event);
    this.emit('reset', event);
    if (!this.stopping) await this.boot(cause);
  }

  private async answer(op: string, args: unknown[]): Promise<void> {
    // The board's watchdog counts the host time from here to the answer (see supervisor.ts), not the time the call queued.
    Atomics.store(this.ctrl, SLOT.callStarted, hostNow() || 1);
    let reply: HostReply;
    try {
      reply = await this.dispatch(op, args);
    } catch (error) {
      reply = { r: -1, s: `EIO` };
      this.emit('crashed', new DeviceError(`host call ${op} failed`, { cause: error }));
    }
    postReply(this.ctrl, this.data, reply, hostNow() || 1);
  }

  private dispatch(op: string, args: unknown[]): Promise<HostReply> | HostReply {
    return answerHostCall(op, args, {
      wifi: this.wifi,
      sockets: this.sockets,
      publishWifi: () => this.publishWifi(),
      accessPointSsid: this.options.accessPoint?.ssid ?? '',
      temperature: () => temperatureAt(this.options.temperature ?? 'room', Date.now() - this.startedAt, this.temperatureReads++),
    });
  }

  /**
   * Keeps the station status the worker reads current; a join in progress settles after the
   * connect delay, so look again then.
   */
  private publishWifi(): void {
    const status = this.wifi.status();
    Atomics.store(this.ctrl, SLOT.wifiStatus, WIFI_STATUS.indexOf(status));
    if (status === 'CONNECTING') setTimeout(() => this.publishWifi(), (this.options.wifiConnectDelayMs ?? 300) + 5).unref();
  }

  /** Wi-Fi goes out of range: connections die; `restoreWifi` brings it back. */
  dropWifi(): void {
    this.wifi.drop();
    this.publishWifi();
    this.sockets.cutAll('ECONNABORTED');
  }

  restoreWifi(): void {
    this.wifi.restore();
    this.publishWifi();
  }

  /** Cuts every TCP connection of the board (as if the broker vanished or the link broke). */
  cutConnections(): void {
    this.sockets.cutAll('ECONNRESET');
  }

  /** The board's next blocking call hangs this long (a stuck driver): the watchdog's test. */
  stall(ms: number): void {
    Atomics.store(this.ctrl, SLOT.stallMs, ms);
  }

  /** Presses the reset button (EN): reboots as after the reset pin (see machine.py for what each chip reports). */
  hardReset(): void {
    this.signal(SIGNAL.reset);
  }

  /**
   * EN held low, or the ROM loader took the chip: the interpreter stops (its files are kept, its
   * connections drop) until `release`. Resolves once it has stopped.
   */
  hold(): Promise<void> {
    this.holding ??= new Promise<void>((resolve) => {
      this.once('held', resolve);
      this.signal(SIGNAL.reset);
    });
    return this.holding;
  }

  /** Boots again after `hold` (EN released with IO0 high), running `firmware` when the flash says which. */
  async release(firmware?: FirmwareIdentity): Promise<void> {
    if (!this.holding) return;
    await this.holding;
    this.holding = null;
    this.firmware = firmware;
    await this.reboot('hard', false); // EN released: the reset pin
  }

  /** The flash's filesystem region was erased: the next boot starts with no files. Only while held. */
  wipeFiles(): void {
    if (this.holding) this.files = {};
  }

  /** Ctrl-C on the serial port: raises KeyboardInterrupt in the running program. */
  interrupt(): void {
    this.write(new Uint8Array([0x03]));
  }

  private signal(bits: number): void {
    Atomics.or(this.ctrl, SLOT.signal, bits);
    Atomics.store(this.ctrl, SLOT.wake, 1);
    Atomics.notify(this.ctrl, SLOT.wake);
    Atomics.notify(this.ctrl, SLOT.reply);
  }

  /** Resolves with the first console line (from now or already printed) matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs = 10_000, options: { fromStart?: boolean } = {}): Promise<string> {
    const seen = options.fromStart ? this.console.find((l) => pattern.test(l.line)) : undefined;
    if (seen) return Promise.resolve(seen.line);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('console', onLine);
        const tail = this.console.slice(-15).map((l) => `  ${l.line}`).join('\n');
        reject(new DeviceError(`${this.name}: no console line matching ${pattern} within ${timeoutMs} ms; last lines:\n${tail}`));
      }, timeoutMs);
      const onLine = (entry: ConsoleLine): void => {
        if (!pattern.test(entry.line)) return;
        clearTimeout(timer);
        this.off('console', onLine);
        resolve(entry.line);
      };
      this.on('console', onLine);
    });
  }

  /** Stops the interpreter and closes every connection (idempotent). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const worker = this.worker;
      if (worker) {
        const stopped = new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 2000);
          worker.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        this.signal(SIGNAL.stop);
        await stopped;
        await worker.terminate();
      }
      this.unsupervise();
      this.sockets.closeAll();
    })();
    return this.stopping;
  }
}

/** Starts a virtual board over `build/<device>/` (as written by `mpy-iot build`). */
export async function startVirtualBoard(buildDir: string, options: VirtualBoardOptions = {}): Promise<VirtualBoard> {
  const image = readBuild(buildDir);
  const board = loadBoards().find(image.manifest.board);
  if (!board) throw new DeviceError(`build ${buildDir} is for board '${image.manifest.board}', which this version does not know`);
  const vb = new VirtualBoard(image, options, board);
  await vb.boot('power_on');
  return vb;
}
