// Command semantics of the ROM loader and the flasher stub, for one boot of the chip (a reset
// starts a new Session). The loader (loader.ts) frames replies and picks the status-byte length.
import { securityInfo, type ChipFacts } from './chips.ts';
import { checksum, DATA_HEADER, Op, opName, readU32, ROM_SYNC_VALUE, type Request } from './commands.ts';
import { chipEraseMs, eraseMs, eraseRange, FlashSession, md5, programMs, readMs, SECTOR, streamEraseMs } from './flashWriter.ts';
import { RegisterFile } from './registers.ts';
import type { LoaderEvent } from './types.ts';

export type Failure =
  | 'invalid' | 'bad-blocksize' | 'checksum' | 'flash-write' | 'deflate'
  | 'not-in-flash-mode' | 'not-enough-data' | 'too-much-data' | 'sequence' | 'read-length';

/** The ROM's READ_FLASH_SLOW answer: `length` bytes from flash, padded to the 64-byte buffer it always sends. */
function readSlowBlock(flash: Uint8Array, offset: number, length: number): Uint8Array {
  const block = new Uint8Array(64);
  block.set(flash.subarray(offset, offset + length));
  return block;
}

/** What a Session needs from the chip around it (VirtualLoaderImpl). */
export interface SessionHost {
  event(event: LoaderEvent): void;
  reply(op: number, value?: number, payload?: Uint8Array, error?: number): void;
  fail(op: number, failure: Failure, detail: string): void;
  unsupported(op: number): void;
  sendPacket(packet: Uint8Array): void;
  injectBadChecksum(): boolean;
  startStub(entry: number): void;
  changeBaud(baud: number): void;
  work(ms: number, when: 'before-reply' | 'after-reply'): void;
  runApp(reason: string): void;
  softReset(): void;
}

interface RamLoad { address: number; data: Uint8Array; blockSize: number; next: number }
interface FlashRead { offset: number; length: number; packetSize: number; window: number; sent: number; acked: number }

const hex = (n: number): string => `0x${n.toString(16)}`;

export class Session {
  private readonly registers: RegisterFile;
  private ram: RamLoad | undefined;
  private readonly loaded: { address: number; size: number }[] = [];
  private writer: FlashSession | undefined;
  private reading: FlashRead | undefined;

  constructor(
    private readonly host: SessionHost,
    private readonly facts: ChipFacts,
    private readonly flash: Uint8Array,
    mac: Uint8Array,
    baud: () => number,
  ) {
    this.registers = new RegisterFile(facts, mac, flash.length, baud);
  }

  /** During READ_FLASH the host acknowledges packets with a 4-byte running count; anything else ends the read. */
  takeReadAck(packet: Uint8Array): boolean {
    if (!this.reading) return false;
    if (packet.length !== 4) {
      this.reading = undefined;
      return false;
    }
    this.reading.acked = readU32(packet, 0);
    this.pumpRead();
    return true;
  }

  /** Runs a command the current loader implements (the caller has filtered unsupported opcodes). */
  execute(request: Request, stub: boolean): void {
    const { op, data } = request;
    const n = data.length;
    const w = (i: number): number => readU32(data, i * 4);
    const expect = (bytes: number): boolean => (n === bytes ? true : (this.host.fail(op, 'invalid', `${opName(op)} takes ${bytes} bytes, got ${n}`), false));
    switch (op) {
      case Op.SYNC:
        if (!expect(36)) return;
        if (w(0) !== 0x20120707) return this.host.fail(op, 'invalid', 'bad SYNC pattern');
        // Eight identical answers (esptool and esptool-js read 1 + 7). The stub answers the same way
        // with value 0, so a tool can sync with a stub left running (`--after no-reset-stub`).
        for (let i = 0; i < 8; i++) this.host.reply(op, stub ? 0 : ROM_SYNC_VALUE);
        return;
      case Op.READ_REG:
        if (expect(4)) this.host.reply(op, this.registers.read(w(0)));
        return;
      case Op.WRITE_REG:
        // address, value, mask, delay µs; esptool may append a second group (a delay after).
        if (n === 0 || n % 16 !== 0) return this.host.fail(op, 'invalid', `WRITE_REG takes groups of 16 bytes, got ${n}`);
        for (let i = 0; i < n / 16; i++) this.registers.write(w(i * 4), w(i * 4 + 1), w(i * 4 + 2));
        return this.host.reply(op);
      case Op.SPI_ATTACH:
        // The ROM takes an extra "is legacy" word, the stub does not; both are accepted.
        if (n !== 4 && n !== 8) return this.host.fail(op, 'invalid', `SPI_ATTACH takes 4 or 8 bytes, got ${n}`);
        return this.host.reply(op);
      case Op.SPI_SET_PARAMS: // id, total size, block, sector, page, status mask
        if (expect(24)) this.host.reply(op);
        return;
      case Op.CHANGE_BAUDRATE: // new baud, then 0 (ROM) or the old baud (stub)
        if (!expect(8)) return;
        if (w(0) < 300) return this.host.fail(op, 'invalid', `baud ${w(0)}`);
        this.host.reply(op); // still at the old speed
        return this.host.changeBaud(w(0));
      case Op.GET_SECURITY_INFO:
        if (this.facts.securityChipId === undefined) return this.host.unsupported(op);
        return this.host.reply(op, 0, securityInfo(this.facts.securityChipId));
      case Op.MEM_BEGIN: // size, blocks, block size, address
        if (!expect(16)) return;
        this.ram = { address: w(3), data: new Uint8Array(w(0)), blockSize: w(2), next: 0 };
        this.loaded.push({ address: w(3), size: w(0) });
        return this.host.reply(op);
      case Op.MEM_DATA:
        return this.memData(request);
      case Op.MEM_END:
        return this.memEnd(op, n === 8 ? w(0) : -1, n === 8 ? w(1) : 0);
      case Op.FLASH_BEGIN:
      case Op.FLASH_DEFL_BEGIN:
        return this.flashBegin(request, stub);
      case Op.FLASH_DATA:
      case Op.FLASH_DEFL_DATA:
        return this.flashData(request, stub);
      case Op.FLASH_END:
      case Op.FLASH_DEFL_END:
        if (expect(4)) this.flashEnd(op, w(0), stub);
        return;
      case Op.SPI_FLASH_MD5: // address, size, 0, 0
        if (!expect(16) || !this.inFlash(op, w(0), w(1))) return;
        return this.md5(op, w(0), w(1), stub);
      case Op.ERASE_FLASH:
        this.host.event({ type: 'erase', ...eraseRange(this.flash, 0, this.flash.length) });
        this.host.work(chipEraseMs(this.flash.length), 'before-reply');
        return this.host.reply(op);
      case Op.ERASE_REGION: // offset, size: both sector-aligned
        if (!expect(8)) return;
        if (w(0) % SECTOR || w(1) % SECTOR) return this.host.fail(op, 'invalid', `ERASE_REGION ${hex(w(0))}+${hex(w(1))} is not sector-aligned`);
        if (!this.inFlash(op, w(0), w(1))) return;
        this.host.event({ type: 'erase', ...eraseRange(this.flash, w(0), w(1)) });
        this.host.work(eraseMs(w(0), w(1)), 'before-reply');
        return this.host.reply(op);
      case Op.READ_FLASH: // offset, length, packet size, packets in flight
        if (!expect(16) || !this.inFlash(op, w(0), w(1))) return;
        if (w(2) === 0 || w(3) === 0) return this.host.fail(op, 'invalid', 'READ_FLASH packet size and window must be > 0');
        this.host.reply(op);
        this.host.event({ type: 'read', offset: w(0), length: w(1) });
        this.reading = { offset: w(0), length: w(1), packetSize: w(2), window: w(3), sent: 0, acked: 0 };
        return this.pumpRead();
      case Op.READ_FLASH_SLOW: // ROM: offset, length ≤ 64; always answers a 64-byte buffer
        if (stub) return this.host.unsupported(op);
        if (!expect(8) || !this.inFlash(op, w(0), w(1))) return;
        if (w(1) > 64) return this.host.fail(op, 'read-length', `READ_FLASH_SLOW reads at most 64 bytes, asked ${w(1)}`);
        return this.host.reply(op, 0, readSlowBlock(this.flash, w(0), w(1)));
      case Op.RUN_USER_CODE: // no reply
        return this.host.runApp('RUN_USER_CODE');
      default:
        return this.host.unsupported(op);
    }
  }

  private inFlash(op: number, offset: number, size: number): boolean {
    if (offset + size <= this.flash.length) return true;
    this.host.fail(op, 'flash-write', `${hex(offset)}+${hex(size)} is beyond the ${this.flash.length / 1024 / 1024} MiB flash`);
    return false;
  }

  /** Header (len, seq, 0, 0), length and checksum of a *_DATA command; undefined when it failed (reply sent). */
  private dataBlock(request: Request): { seq: number; payload: Uint8Array } | undefined {
    const { op, data } = request;
    const payload = data.subarray(DATA_HEADER);
    const len = data.length >= DATA_HEADER ? readU32(data, 0) : -1;
    if (len !== payload.length) {
      this.host.fail(op, 'invalid', `data header says ${len} bytes, ${payload.length} arrived`);
      return undefined;
    }
    if ((request.checksum & 0xff) !== checksum(payload)) {
      this.host.fail(op, 'checksum', `checksum ${hex(request.checksum)}, data sums to ${hex(checksum(payload))}`);
      return undefined;
    }
    if (this.host.injectBadChecksum()) {
      this.host.event({ type: 'fault', kind: 'bad-checksum', detail: `${opName(op)} seq ${readU32(data, 4)} answered "bad checksum"` });
      this.host.fail(op, 'checksum', 'injected fault');
      return undefined;
    }
    return { seq: readU32(data, 4), payload };
  }

  private memData(request: Request): void {
    const ram = this.ram;
    if (!ram) return this.host.fail(request.op, 'not-in-flash-mode', 'MEM_DATA before MEM_BEGIN');
    const block = this.dataBlock(request);
    if (!block) return;
    const at = block.seq * ram.blockSize;
    if (block.seq > ram.next || block.payload.length > ram.blockSize || at + block.payload.length > ram.data.length) {
      return this.host.fail(request.op, 'sequence', `MEM_DATA seq ${block.seq} (${block.payload.length} bytes) does not fit the MEM_BEGIN`);
    }
    ram.data.set(block.payload, at); // RAM writes are idempotent: a resent block is simply written again
    ram.next = Math.max(ram.next, block.seq + 1);
    this.host.reply(request.op);
  }

  /** MEM_END: flag 0 = jump to entry (esptool sends 1 when entry is 0 = stay). */
  private memEnd(op: number, flag: number, entry: number): void {
    if (flag < 0) return this.host.fail(op, 'invalid', 'MEM_END takes 8 bytes');
    this.host.reply(op);
    if (flag !== 0) return;
    const inside = this.loaded.some((r) => entry >= r.address && entry < r.address + r.size);
    if (inside) this.host.startStub(entry);
    else this.host.runApp(`MEM_END jumped to ${hex(entry)}, outside any loaded RAM`);
  }

  private flashBegin(request: Request, stub: boolean): void {
    const { op, data } = request;
    const compressed = op === Op.FLASH_DEFL_BEGIN;
    // S2/S3/C3 ROMs take a 5th word (encrypt flag). esptool v4/v5 send 5 words to every stub, and
    // esptool-js 5 to ESP32/ESP8266 ROMs too, so the stub and those ROMs accept 4 or 5.
    const wordsOk = !stub && this.facts.romBeginWords === 5 ? data.length === 20 : data.length === 16 || data.length === 20;
    if (!wordsOk) return this.host.fail(op, 'invalid', `${opName(op)} takes ${stub ? '4 or 5' : this.facts.romBeginWords} words here, got ${data.length / 4}`);
    // First word: bytes to erase / to write (the stub gets the exact size, the ROM it rounded up).
    const [size, blocks, blockSize, offset] = [0, 1, 2, 3].map((i) => readU32(data, i * 4)) as [number, number, number, number];
    if (blocks > 0 && blockSize === 0) return this.host.fail(op, 'bad-blocksize', 'block size 0');
    if (!this.inFlash(op, offset, size)) return;
    this.writer = new FlashSession(this.flash, { offset, size, blocks, blockSize, compressed }, (at, length) =>
      this.host.event({ type: 'write', offset: at, length }),
    );
    this.host.event({ type: 'flash-begin', offset, size, compressed });
    const erased = eraseRange(this.flash, offset, size);
    if (erased.length > 0) this.host.event({ type: 'erase', ...erased });
    // The ROM erases the whole region before it answers; the stub erases as the data arrives.
    if (!stub) this.host.work(eraseMs(erased.offset, erased.length), 'before-reply');
    this.host.reply(op);
  }

  private flashData(request: Request, stub: boolean): void {
    const compressed = request.op === Op.FLASH_DEFL_DATA;
    const writer = this.writer;
    if (!writer || writer.begin.compressed !== compressed) return this.host.fail(request.op, 'not-in-flash-mode', `${opName(request.op)} without its BEGIN`);
    const block = this.dataBlock(request);
    if (!block) return;
    const before = writer.written;
    const result = writer.block(block.seq, block.payload);
    const landed = writer.written - before;
    // The ROM programs, then answers; the stub answers, then erases ahead and programs.
    if (stub) this.host.work(programMs(landed) + streamEraseMs(landed), 'after-reply');
    else this.host.work(programMs(landed), 'before-reply');
    if (result === 'ok' || result === 'duplicate') return this.host.reply(request.op);
    const detail = result === 'sequence' ? `expected seq ${writer.nextSeq}, got ${block.seq}` : `seq ${block.seq}: ${result}`;
    this.host.fail(request.op, result === 'inflate' ? 'deflate' : result, detail);
  }

  /** FLASH_END / FLASH_DEFL_END: 0 = reboot, 1 = run user code (the stub stays in the loader). */
  private flashEnd(op: number, runUserCode: number, stub: boolean): void {
    const writer = this.writer;
    this.writer = undefined;
    if (writer) {
      const complete = writer.complete();
      this.host.event({ type: 'flash-end', offset: writer.begin.offset, written: writer.written, complete });
      if (stub && !complete) return this.host.fail(op, 'not-enough-data', `${writer.written} of ${writer.begin.size} bytes written`);
    } else if (stub) {
      return this.host.fail(op, 'not-in-flash-mode', `${opName(op)} without a BEGIN`);
    }
    this.host.reply(op);
    if (runUserCode === 0) this.host.softReset();
    else if (!stub) this.host.runApp(`${opName(op)}: run user code`);
  }

  private md5(op: number, offset: number, size: number, stub: boolean): void {
    const digest = md5(this.flash, offset, size);
    this.host.work(readMs(size), 'before-reply');
    this.host.event({ type: 'md5', offset, size, digest: digest.toString('hex') });
    // The ROM answers 32 hex ASCII characters, the stub 16 raw bytes.
    this.host.reply(op, 0, stub ? digest : new TextEncoder().encode(digest.toString('hex')));
  }

  private pumpRead(): void {
    const r = this.reading;
    if (!r) return;
    while (r.sent < r.length && r.sent - r.acked < r.window * r.packetSize) {
      const n = Math.min(r.packetSize, r.length - r.sent);
      this.host.sendPacket(this.flash.slice(r.offset + r.sent, r.offset + r.sent + n));
      r.sent += n;
    }
    if (r.acked >= r.length) {
      this.reading = undefined;
      this.host.sendPacket(md5(this.flash, r.offset, r.length)); // the stub ends with the digest
    }
  }
}
