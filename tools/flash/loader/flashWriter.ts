// The flash chip behind the virtual loader: NOR semantics (erase sets 0xFF, a write can only clear
// bits), sector-granular erase, and one FLASH_BEGIN…END (or FLASH_DEFL_…) session at a time.
import { createHash } from 'node:crypto';
import { constants, inflateSync } from 'node:zlib';

export const SECTOR = 0x1000;
const BLOCK = 0x10000;

/**
 * Typical times of a 4 MiB SPI NOR flash as on ESP dev boards (Winbond W25Q32JV datasheet, "AC
 * electrical characteristics", typ.): 4 KiB sector erase 45 ms, 64 KiB block erase 150 ms, chip
 * erase 10 s, 256-byte page program 0.4 ms. Reads are fast (≈ 10 MB/s over the ROM's SPI setup).
 */
export const FLASH_TIMING = { sectorEraseMs: 45, blockEraseMs: 150, chipEraseMsPer4MiB: 10_000, pageProgramMs: 0.4, readMsPerKiB: 0.1 } as const;

/** Erasing [offset, offset + length): whole 64 KiB blocks where aligned, 4 KiB sectors around them. */
export function eraseMs(offset: number, length: number): number {
  if (length <= 0) return 0;
  const start = Math.floor(offset / SECTOR) * SECTOR;
  const end = Math.ceil((offset + length) / SECTOR) * SECTOR;
  const blockStart = Math.ceil(start / BLOCK) * BLOCK;
  const blockEnd = Math.floor(end / BLOCK) * BLOCK;
  if (blockEnd <= blockStart) return ((end - start) / SECTOR) * FLASH_TIMING.sectorEraseMs;
  const sectors = (blockStart - start + end - blockEnd) / SECTOR;
  return ((blockEnd - blockStart) / BLOCK) * FLASH_TIMING.blockEraseMs + sectors * FLASH_TIMING.sectorEraseMs;
}

/** The stub erases ahead of the data in 64 KiB blocks: this much erase time per byte written. */
export function streamEraseMs(bytes: number): number {
  return (bytes / BLOCK) * FLASH_TIMING.blockEraseMs;
}

export function chipEraseMs(size: number): number {
  return (size / (4 * 1024 * 1024)) * FLASH_TIMING.chipEraseMsPer4MiB;
}

export function programMs(bytes: number): number {
  return Math.ceil(bytes / 256) * FLASH_TIMING.pageProgramMs;
}

export function readMs(bytes: number): number {
  return (bytes / 1024) * FLASH_TIMING.readMsPerKiB;
}

/** Erases the sectors covering [offset, offset + length); returns the range actually erased. */
export function eraseRange(flash: Uint8Array, offset: number, length: number): { offset: number; length: number } {
  if (length <= 0) return { offset, length: 0 };
  const start = Math.floor(offset / SECTOR) * SECTOR;
  const end = Math.min(flash.length, Math.ceil((offset + length) / SECTOR) * SECTOR);
  flash.fill(0xff, start, end);
  return { offset: start, length: Math.max(0, end - start) };
}

/** Programs bytes as NOR flash does (old AND new); returns how many bytes landed inside the chip. */
export function program(flash: Uint8Array, offset: number, data: Uint8Array): number {
  const n = Math.max(0, Math.min(data.length, flash.length - offset));
  for (let i = 0; i < n; i++) flash[offset + i]! &= data[i]!;
  return n;
}

export function md5(flash: Uint8Array, offset: number, size: number): Buffer {
  return createHash('md5').update(flash.subarray(offset, offset + size)).digest();
}

export interface FlashBegin {
  offset: number;
  /** Bytes the host means to write (uncompressed); the ROM gets them rounded up, the stub exact. */
  size: number;
  blocks: number;
  blockSize: number;
  compressed: boolean;
}

export type BlockResult = 'ok' | 'duplicate' | 'bad-blocksize' | 'sequence' | 'inflate' | 'too-much-data';

/**
 * One write session. Compressed data (zlib format: esptool-js uses pako.deflate, which adds the
 * zlib header, as the ROM's miniz expects) is inflated as each block arrives, so the flash holds
 * everything received so far when the block is acknowledged, as the ROM does before it ACKs.
 * node:zlib has no synchronous streaming inflate, so each block re-inflates the stream so far with
 * Z_SYNC_FLUSH and programs only the new tail: quadratic in blocks, ~0.1 s for a 1.5 MB image.
 */
export class FlashSession {
  /** Uncompressed bytes programmed so far. */
  written = 0;
  /** Blocks accepted (the next expected seq). */
  nextSeq = 0;
  private lastBlock: Uint8Array | undefined;
  private stream = Buffer.alloc(0);
  private streamLength = 0;

  constructor(
    private readonly flash: Uint8Array,
    readonly begin: FlashBegin,
    private readonly onWrite: (offset: number, length: number) => void,
  ) {}

  block(seq: number, data: Uint8Array): BlockResult {
    if (data.length > this.begin.blockSize) return 'bad-blocksize';
    // A block sent again because its acknowledgement was lost: acknowledge, do not program twice.
    if (seq === this.nextSeq - 1 && this.lastBlock && Buffer.from(this.lastBlock).equals(data)) return 'duplicate';
    if (seq !== this.nextSeq) return 'sequence';
    const result = this.begin.compressed ? this.inflated(data) : this.plain(seq, data);
    if (result === 'ok') {
      this.nextSeq++;
      this.lastBlock = Uint8Array.from(data);
    }
    return result;
  }

  /** True once everything announced at begin has arrived (and, compressed, the stream ended). */
  complete(): boolean {
    // Everything announced has landed (also: an empty BEGIN/END pair, which esptool uses to leave the stub).
    if (this.written >= this.begin.size) return true;
    if (!this.begin.compressed) return false;
    try {
      inflateSync(this.stream.subarray(0, this.streamLength));
      return true;
    } catch {
      return false;
    }
  }

  private plain(seq: number, data: Uint8Array): BlockResult {
    const at = this.begin.offset + seq * this.begin.blockSize;
    // The last block arrives padded with 0xFF to the block size; programming 0xFF changes nothing.
    program(this.flash, at, data);
    const useful = Math.max(0, Math.min(data.length, this.begin.size - seq * this.begin.blockSize));
    this.written += useful;
    if (useful > 0) this.onWrite(at, useful);
    return 'ok';
  }

  private inflated(data: Uint8Array): BlockResult {
    if (this.streamLength + data.length > this.stream.length) {
      const grown = Buffer.alloc(Math.max(this.stream.length * 2, this.streamLength + data.length, 0x10000));
      this.stream.copy(grown, 0, 0, this.streamLength);
      this.stream = grown;
    }
    this.stream.set(data, this.streamLength);
    let out: Buffer;
    try {
      out = inflateSync(this.stream.subarray(0, this.streamLength + data.length), { finishFlush: constants.Z_SYNC_FLUSH });
    } catch {
      return 'inflate';
    }
    if (out.length > this.begin.size) return 'too-much-data';
    this.streamLength += data.length;
    const fresh = out.subarray(this.written);
    if (fresh.length > 0) {
      const at = this.begin.offset + this.written;
      program(this.flash, at, fresh);
      this.written += fresh.length;
      this.onWrite(at, fresh.length);
    }
    return 'ok';
  }
}
