// The virtual chip: reset lines → boot mode, then the ROM loader or the flasher stub speaking
// SLIP packets. Byte handling, state and faults live here; command semantics in session.ts.
import { EspResetDecoder, type EspBootMode, type EspResetEvent } from '../../serial/espReset.ts';
import type { SerialFarEnd } from '../../serial/virtualBinding.ts';
import { CHIPS, parseMac, type ChipFacts, type ChipName } from './chips.ts';
import { encodeResponse, isKnownOp, OHAI, opName, parseRequest, readU32, RomError, StubError } from './commands.ts';
import { Session, type Failure } from './session.ts';
import { slipEncode, SlipDecoder } from './slip.ts';
import { garble } from '../../serial/garble.ts';
import type { LoaderEvent, LoaderFaults, LoaderState, LoaderStats, VirtualLoader, VirtualLoaderOptions } from './types.ts';

const ROM_CODE: Record<Failure, number> = {
  invalid: RomError.INVALID_MESSAGE,
  'bad-blocksize': RomError.INVALID_MESSAGE,
  checksum: RomError.BAD_CRC,
  'flash-write': RomError.FLASH_WRITE,
  deflate: RomError.DEFLATE,
  'not-in-flash-mode': RomError.FAILED_TO_ACT,
  'not-enough-data': RomError.FAILED_TO_ACT,
  'too-much-data': RomError.FAILED_TO_ACT,
  sequence: RomError.FAILED_TO_ACT,
  'read-length': RomError.READ_LENGTH,
};
const STUB_CODE: Record<Failure, number> = {
  invalid: StubError.BAD_DATA_LEN,
  'bad-blocksize': StubError.BAD_BLOCKSIZE,
  checksum: StubError.BAD_DATA_CHECKSUM,
  'flash-write': StubError.FAILED_SPI_OP,
  deflate: StubError.INFLATE_ERROR,
  'not-in-flash-mode': StubError.NOT_IN_FLASH_MODE,
  'not-enough-data': StubError.NOT_ENOUGH_DATA,
  'too-much-data': StubError.TOO_MUCH_DATA,
  sequence: StubError.BAD_DATA_LEN,
  'read-length': StubError.BAD_DATA_LEN,
};
/** The command byte of the ROM's "invalid message" answer to an opcode it does not know. It must
 *  differ from the request's: esptool(-js) only raises UnsupportedCommandError in that case. */
const ROM_UNKNOWN_REPLY_OP = 0x00;

export class VirtualLoaderImpl implements VirtualLoader {
  readonly chip: ChipName;
  readonly facts: ChipFacts;
  readonly flash: Uint8Array;
  readonly mac: string;
  readonly stats: LoaderStats = {
    commands: 0, byCommand: {}, bytesReceived: 0, bytesSent: 0, bytesIgnored: 0, bytesDropped: 0,
    errorReplies: 0, resets: 0, downloadResets: 0,
  };
  readonly farEnd: SerialFarEnd;
  private currentState: LoaderState = 'app';
  private latchedMode: EspBootMode = 'normal';
  private emit: ((bytes: Uint8Array) => void) | null = null;
  private readonly decoder: EspResetDecoder;
  private timer: NodeJS.Timeout | undefined;
  private readonly slip = new SlipDecoder();
  private session: Session;
  private hostBaud: number | undefined;
  /** The chip's UART speed once fixed (stub running, or after CHANGE_BAUDRATE); the ROM auto-bauds until then. */
  private fixedBaud: number | undefined;
  private mismatchReported = false;
  private readonly listeners = new Set<(event: LoaderEvent) => void>();
  private readonly faults: LoaderFaults;
  private faultCounters = { received: 0, dataCommands: 0, timeoutUsed: false };
  /** The flash is busy (erasing, programming) until then (performance.now() ms): replies wait for it. */
  private busyUntil = 0;
  /** Work that starts once the next reply is out (the stub acknowledges a block, then writes it). */
  private workAfterReply = 0;
  /** Replies and the state changes after them, in order, each not before its time. */
  private readonly outbox: { at: number; run: () => void }[] = [];
  private outboxTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: VirtualLoaderOptions) {
    this.chip = options.chip;
    const facts = CHIPS[options.chip];
    if (!facts) throw new Error(`unknown chip '${String(options.chip)}' (expected one of ${Object.keys(CHIPS).join(', ')})`);
    this.facts = facts;
    const flashSize = options.flashSize ?? 4 * 1024 * 1024;
    if (!Number.isInteger(Math.log2(flashSize)) || flashSize < 0x10000) throw new Error(`flashSize must be a power of two ≥ 64 KiB, got ${flashSize}`);
    this.flash = new Uint8Array(flashSize).fill(0xff);
    this.mac = options.mac ?? facts.defaultMac;
    this.faults = options.faults ?? {};
    if (options.onEvent) this.listeners.add(options.onEvent);
    this.decoder = new EspResetDecoder({ wiring: options.wiring ?? facts.wiring, ...(options.strapWindowMs === undefined ? {} : { strapWindowMs: options.strapWindowMs }) });
    this.session = this.newSession();
    this.farEnd = {
      connect: (emit) => {
        this.emit = emit;
      },
      receive: (bytes) => this.receive(bytes),
      signals: (lines) => this.handleLines(this.decoder.update(lines, performance.now())),
      baudRate: (baud) => {
        this.hostBaud = baud;
        this.mismatchReported = false;
      },
      disconnect: () => {
        this.emit = null;
      },
    };
  }

  get state(): LoaderState {
    return this.currentState;
  }

  /** The chip's UART speed now. */
  get baud(): number {
    return this.fixedBaud ?? this.hostBaud ?? 115200;
  }

  on(listener: (event: LoaderEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  reset(bootMode: EspBootMode): void {
    this.boot(bootMode, 'reset');
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.clearOutbox();
  }

  // ---- used by Session ----

  event(event: LoaderEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Sends one reply: value, payload, then the status bytes (2 for the stub and the ESP8266 ROM, 4 for ESP32-family ROMs). */
  reply(op: number, value = 0, payload: Uint8Array = new Uint8Array(0), error?: number): void {
    const statusLength = this.currentState === 'stub' ? 2 : this.facts.romStatusLength;
    const data = new Uint8Array(payload.length + statusLength);
    data.set(payload);
    if (error !== undefined) {
      data[payload.length] = 1;
      data[payload.length + 1] = error;
      this.stats.errorReplies++;
    }
    const packet = encodeResponse(op, value, data);
    this.later(() => this.sendPacket(packet));
    if (this.workAfterReply > 0) {
      this.busyUntil = Math.max(this.busyUntil, performance.now()) + this.workAfterReply;
      this.workAfterReply = 0;
    }
  }

  /**
   * The flash works for `ms` (datasheet times, see FLASH_TIMING). 'before-reply': the command's
   * reply waits for it (the ROM erases, then answers). 'after-reply': the reply goes first and the
   * next command's reply waits (the stub acknowledges a block, then writes it while the next arrives).
   */
  work(ms: number, when: 'before-reply' | 'after-reply'): void {
    if (ms <= 0 || this.options.flashTiming === false) return;
    if (when === 'after-reply') this.workAfterReply += ms;
    else this.busyUntil = Math.max(this.busyUntil, performance.now()) + ms;
  }

  fail(op: number, failure: Failure, detail: string): void {
    const code = (this.currentState === 'stub' ? STUB_CODE : ROM_CODE)[failure];
    this.event({ type: 'error-reply', op, command: opName(op), code, failure, detail });
    this.reply(op, 0, undefined, code);
  }

  /** The ROM does not know the opcode; the stub does not implement it. */
  unsupported(op: number): void {
    const stub = this.currentState === 'stub';
    const code = stub ? StubError.CMD_NOT_IMPLEMENTED : RomError.INVALID_MESSAGE;
    const detail = `${opName(op)} is not supported by the ${stub ? 'stub' : `${this.chip} ROM`}`;
    this.event({ type: 'error-reply', op, command: opName(op), code, failure: 'unsupported', detail });
    this.reply(stub ? op : ROM_UNKNOWN_REPLY_OP, 0, undefined, code);
  }

  sendPacket(packet: Uint8Array): void {
    this.send(slipEncode(packet));
  }

  /** Checksum-fault injection: true when this *_DATA command must be answered "bad checksum". */
  injectBadChecksum(): boolean {
    const every = this.faults.badChecksumReplyEvery;
    if (!every) return false;
    this.faultCounters.dataCommands++;
    return this.faultCounters.dataCommands % every === 0;
  }

  // State changes that follow a reply happen once that reply is out.

  startStub(entry: number): void {
    this.later(() => {
      this.currentState = 'stub';
      this.fixedBaud = this.baud;
      this.event({ type: 'stub-started', entry });
      this.sendPacket(OHAI);
    });
  }

  changeBaud(baud: number): void {
    this.later(() => {
      this.fixedBaud = baud;
      this.mismatchReported = false;
      this.event({ type: 'baud', baud });
    });
  }

  /** Leaves the loader: FLASH_END "run user code", RUN_USER_CODE, or a crash into loaded code. */
  runApp(reason: string): void {
    this.later(() => {
      this.currentState = 'app';
      this.event({ type: 'app', reason });
    });
  }

  /** A software reset: the chip boots with the strapping latched at the last hardware reset. */
  softReset(): void {
    this.later(() => this.boot(this.latchedMode, 'software'));
  }

  // ---- internals ----

  /** Runs `run` now, or once the flash is free and everything queued before it has run. */
  private later(run: () => void): void {
    const at = Math.max(this.busyUntil, this.outbox.at(-1)?.at ?? 0);
    if (this.outbox.length === 0 && at <= performance.now()) return run();
    this.outbox.push({ at, run });
    this.pumpOutbox();
  }

  private pumpOutbox(): void {
    if (this.outboxTimer) return;
    const next = this.outbox[0];
    if (!next) return;
    this.outboxTimer = setTimeout(() => {
      this.outboxTimer = undefined;
      while (this.outbox.length > 0 && this.outbox[0]!.at <= performance.now()) this.outbox.shift()!.run();
      this.pumpOutbox();
    }, Math.max(0, next.at - performance.now()));
  }

  private clearOutbox(): void {
    clearTimeout(this.outboxTimer);
    this.outboxTimer = undefined;
    this.outbox.length = 0;
    this.busyUntil = 0;
    this.workAfterReply = 0;
  }

  private newSession(): Session {
    return new Session(this, this.facts, this.flash, parseMac(this.mac), () => this.baud);
  }

  private handleLines(events: EspResetEvent[]): void {
    for (const event of events) {
      if (event.type === 'hold') {
        this.currentState = 'held';
        this.event({ type: 'hold' });
      } else {
        this.boot(event.bootMode, 'reset');
      }
    }
    clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = this.decoder.deadline;
    if (deadline !== undefined) {
      this.timer = setTimeout(() => this.handleLines(this.decoder.poll(performance.now())), Math.max(0, deadline - performance.now()) + 1);
      this.timer.unref();
    }
  }

  private boot(bootMode: EspBootMode, cause: 'reset' | 'software'): void {
    if (cause === 'reset') {
      this.latchedMode = bootMode;
      this.stats.resets++;
      if (bootMode === 'download') this.stats.downloadResets++;
    }
    this.slip.reset();
    this.clearOutbox(); // a reset loses whatever the chip was about to say
    this.session = this.newSession();
    this.fixedBaud = undefined;
    this.mismatchReported = false;
    this.currentState = bootMode === 'download' ? 'rom' : 'app';
    this.event({ type: 'reset', bootMode, cause });
    let text = this.facts.banner(bootMode);
    if (bootMode === 'normal') {
      const at = this.facts.bootloaderOffset;
      const word = (offset: number): string => readU32(this.flash, offset).toString(16).padStart(8, '0');
      text += this.flash[at] === 0xe9 ? `entry 0x${word(at + 4)}\r\n` : `invalid header: 0x${word(at)}\r\n`;
    }
    this.send(new TextEncoder().encode(text));
  }

  private baudMismatch(): boolean {
    if (this.options.strictBaud === false || this.fixedBaud === undefined || this.hostBaud === undefined) return false;
    if (this.hostBaud === this.fixedBaud || (this.currentState !== 'rom' && this.currentState !== 'stub')) return false;
    if (!this.mismatchReported) {
      this.mismatchReported = true;
      this.event({ type: 'fault', kind: 'baud-mismatch', detail: `host at ${this.hostBaud} baud, chip at ${this.fixedBaud}` });
    }
    return true;
  }

  private send(bytes: Uint8Array): void {
    // At the wrong baud the host receives garbage, not nothing (it then times out on bad frames).
    const out = this.baudMismatch() ? garble(bytes, this.fixedBaud!, this.hostBaud!) : bytes;
    this.stats.bytesSent += out.length;
    this.emit?.(out);
  }

  private receive(bytes: Uint8Array): void {
    this.stats.bytesReceived += bytes.length;
    if (this.currentState !== 'rom' && this.currentState !== 'stub') {
      this.stats.bytesIgnored += bytes.length;
      return;
    }
    let kept = this.baudMismatch() ? garble(bytes, this.hostBaud!, this.fixedBaud!) : bytes;
    const every = this.faults.dropByteEvery;
    if (every) {
      const before = kept.length;
      kept = kept.filter(() => ++this.faultCounters.received % every !== 0);
      if (kept.length !== before) {
        this.stats.bytesDropped += before - kept.length;
        this.event({ type: 'fault', kind: 'drop', detail: `dropped ${before - kept.length} byte(s)` });
      }
    }
    for (const packet of this.slip.push(kept)) this.packet(packet);
  }

  private packet(packet: Uint8Array): void {
    if (this.session.takeReadAck(packet)) return;
    const request = parseRequest(packet);
    if (!request) return;
    const name = opName(request.op);
    this.stats.commands++;
    this.stats.byCommand[name] = (this.stats.byCommand[name] ?? 0) + 1;
    this.event({ type: 'command', op: request.op, command: name, state: this.currentState });
    if (this.faults.timeoutOnCommand === request.op && !this.faultCounters.timeoutUsed) {
      this.faultCounters.timeoutUsed = true;
      this.event({ type: 'fault', kind: 'timeout', detail: `ignored ${name}` });
      return;
    }
    if (!isKnownOp(request.op) || (this.currentState === 'rom' && this.facts.romUnsupported.has(request.op))) return this.unsupported(request.op);
    if (request.size !== request.data.length) return this.fail(request.op, 'invalid', `size field ${request.size}, ${request.data.length} data bytes`);
    this.session.execute(request, this.currentState === 'stub');
  }
}
