// Test-only helpers: a hand-written host that speaks protocol frames to the virtual loader, and a
// Web-Serial-shaped port over a SerialFarEnd so esptool-js can run against it without the real
// adapter (tools/flash owns that). Nothing in tools/ imports this file.
import { getStubJsonByChipName } from 'esptool-js';
import type { SerialFarEnd } from '../../../tools/serial/virtualBinding.ts';
import {
  createVirtualLoader,
  encodeDataRequest,
  encodeRequest,
  Op,
  parseResponse,
  slipEncode,
  SlipDecoder,
  splitStatus,
  words,
  type VirtualLoader,
  type VirtualLoaderOptions,
} from '../../../tools/flash/loader/index.ts';

export interface Reply {
  op: number;
  value: number;
  payload: Uint8Array;
  status: number;
  error: number;
  /** Length of data after the header (payload + status bytes). */
  size: number;
}

/** Drives a loader directly through its far end, synchronously (the loader answers inside receive()). */
export class ProtocolHost {
  readonly loader: VirtualLoader;
  readonly packets: Uint8Array[] = [];
  text = '';
  private readonly slip = new SlipDecoder();

  constructor(options: VirtualLoaderOptions, boot: 'download' | 'normal' | 'none' = 'download') {
    // Synchronous on purpose: flash timing (replies waiting for erase/program) is tested on its own.
    this.loader = createVirtualLoader({ flashTiming: false, ...options });
    this.loader.farEnd.connect((bytes) => {
      this.text += Buffer.from(bytes).toString('latin1');
      this.packets.push(...this.slip.push(bytes));
    });
    if (boot !== 'none') this.loader.reset(boot);
  }

  /** Status bytes the loader uses now. */
  get statusLength(): 2 | 4 {
    return this.loader.state === 'stub' ? 2 : this.loader.facts.romStatusLength;
  }

  sendRaw(bytes: Uint8Array): Uint8Array[] {
    const before = this.packets.length;
    this.loader.farEnd.receive(bytes);
    return this.packets.slice(before);
  }

  /** Sends one request; returns every reply packet it produced, parsed with the current status length. */
  command(op: number, data: Uint8Array = new Uint8Array(0), chk = 0): Reply[] {
    const statusLength = this.statusLength; // before the command: MEM_END's reply is still the ROM's
    return this.sendRaw(slipEncode(encodeRequest(op, data, chk))).flatMap((packet) => {
      const response = parseResponse(packet);
      if (!response) return [];
      const { payload, status, error } = splitStatus(response, statusLength);
      return [{ op: response.op, value: response.value, payload, status, error, size: response.data.length }];
    });
  }

  /** Sends one request and expects exactly one reply. */
  one(op: number, data?: Uint8Array, chk?: number): Reply {
    const replies = this.command(op, data, chk);
    if (replies.length !== 1) throw new Error(`expected one reply to 0x${op.toString(16)}, got ${replies.length}`);
    return replies[0]!;
  }

  data(op: number, seq: number, block: Uint8Array): Reply {
    const replies = this.sendRaw(slipEncode(encodeDataRequest(op, seq, block))).map((p) => parseResponse(p)!);
    if (replies.length !== 1) throw new Error(`expected one reply, got ${replies.length}`);
    return { ...splitStatus(replies[0]!, this.statusLength), op: replies[0]!.op, value: replies[0]!.value, size: replies[0]!.data.length };
  }

  /** Uploads esptool-js's own stub for the chip with MEM_BEGIN/DATA/END; returns the packets after MEM_END. */
  async uploadStub(blockSize = 0x1800): Promise<Uint8Array[]> {
    const stub = await getStubJsonByChipName(this.loader.chip);
    if (!stub) throw new Error(`no stub for ${this.loader.chip}`);
    for (const [image, address] of [[stub.decodedText, stub.text_start], [stub.decodedData, stub.data_start]] as const) {
      const blocks = Math.ceil(image.length / blockSize);
      this.expectOk(this.one(Op.MEM_BEGIN, words(image.length, blocks, blockSize, address)));
      for (let seq = 0; seq < blocks; seq++) this.expectOk(this.data(Op.MEM_DATA, seq, image.slice(seq * blockSize, (seq + 1) * blockSize)));
    }
    const before = this.packets.length;
    this.command(Op.MEM_END, words(0, stub.entry));
    return this.packets.slice(before);
  }

  expectOk(reply: Reply): Reply {
    if (reply.status !== 0) throw new Error(`command 0x${reply.op.toString(16)} failed with error 0x${reply.error.toString(16)}`);
    return reply;
  }
}

type Lines = { dtr: boolean; rts: boolean };

/**
 * The slice of the Web Serial `SerialPort` that esptool-js's Transport uses, over a far end
 * directly (no binding, no throttle). Opening asserts both lines and closing releases them, as the
 * OS does; setSignals changes only the lines it names.
 */
export class FarEndSerialPort {
  readable: ReadableStream<Uint8Array> | null = null;
  writable: WritableStream<Uint8Array> | null = null;
  opens = 0;
  readonly bauds: number[] = [];
  private lines: Lines = { dtr: false, rts: false };
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;

  constructor(
    private readonly farEnd: SerialFarEnd,
    private readonly info: { usbVendorId?: number; usbProductId?: number } = { usbVendorId: 0x10c4, usbProductId: 0xea60 },
  ) {}

  getInfo(): { usbVendorId?: number; usbProductId?: number } {
    return { ...this.info };
  }

  async open(options: { baudRate: number }): Promise<void> {
    if (this.readable) throw new Error('port already open');
    this.opens++;
    this.readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
      },
      cancel: () => {
        this.controller = null;
      },
    });
    this.writable = new WritableStream<Uint8Array>({ write: (chunk) => this.farEnd.receive(Uint8Array.from(chunk)) });
    this.farEnd.connect((bytes) => {
      try {
        this.controller?.enqueue(Uint8Array.from(bytes));
      } catch {
        // closed underneath us: bytes are lost, as on a real UART
      }
    });
    this.bauds.push(options.baudRate);
    this.setLines({ dtr: true, rts: true });
    this.farEnd.baudRate?.(options.baudRate);
  }

  async setSignals(signals: { dataTerminalReady?: boolean; requestToSend?: boolean; break?: boolean }): Promise<void> {
    this.setLines({ dtr: signals.dataTerminalReady ?? this.lines.dtr, rts: signals.requestToSend ?? this.lines.rts });
  }

  async close(): Promise<void> {
    try {
      this.controller?.close();
    } catch {
      // already canceled
    }
    this.controller = null;
    this.readable = null;
    this.writable = null;
    this.setLines({ dtr: false, rts: false });
    this.farEnd.disconnect?.();
  }

  private setLines(lines: Lines): void {
    if (lines.dtr === this.lines.dtr && lines.rts === this.lines.rts) return;
    this.lines = lines;
    this.farEnd.signals?.({ ...lines });
  }
}

/** Deterministic pseudo-random bytes (xorshift), partly compressible like a firmware image. */
export function makeImage(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    // Runs of zeros every so often so deflate has something to do.
    out[i] = (i >> 9) % 4 === 0 ? 0 : x & 0xff;
  }
  if (size > 0) out[0] = 0xe9;
  return out;
}
