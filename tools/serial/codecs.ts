// Pure codecs for the MicroPython REPL framing (mpremote's transport_serial.py and the device's
// pyexec.c). Every parser here is stream-friendly: feed chunks of any size and split, get the same
// result as feeding the whole buffer at once.
import { DeviceError } from '../errors.ts';

/** REPL control bytes. */
export const Ctrl = {
  /** Ctrl-A: enter the raw REPL. */
  A: 0x01,
  /** Ctrl-B: back to the friendly REPL. */
  B: 0x02,
  /** Ctrl-C: interrupt. */
  C: 0x03,
  /** Ctrl-D: end of input; on an empty line, a soft reset. */
  D: 0x04,
  /** Ctrl-E: paste mode; in the raw REPL, followed by `A\x01`, the raw-paste request. */
  E: 0x05,
} as const;

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** Byte sequences the host sends (mpremote's choices). */
export const ReplCommands = {
  /** Interrupt whatever runs. pyboard.py sends `\r\x03\x03`; one Ctrl-C is enough on current firmware. */
  interrupt: ascii('\r\x03'),
  enterRaw: ascii('\r\x01'),
  exitRaw: ascii('\r\x02'),
  /** In the raw REPL on an empty line: the device prints `OK`, soft-resets, and prints the raw banner again. */
  softReset: ascii('\x04'),
  /** Ends the code of a raw exec, or the data of a raw-paste. */
  endOfInput: ascii('\x04'),
  rawPasteRequest: ascii('\x05A\x01'),
} as const;

export const RAW_REPL_BANNER = 'raw REPL; CTRL-B to exit\r\n>';
export const FRIENDLY_PROMPT = '>>> ';
/** Older firmware prints `soft reboot\r\n`, newer `MPY: soft reboot\r\n`: one suffix matches both. */
export const SOFT_REBOOT = 'soft reboot\r\n';

/** The device answered something the protocol does not allow here. */
export class ReplProtocolError extends DeviceError {
  constructor(
    message: string,
    /** The bytes that broke the expectation (and a little context). */
    readonly received: Uint8Array,
  ) {
    super(`${message} (received ${printable(received)})`, {
      hint: 'The board may not be running MicroPython, or another program is talking to it; interrupt it (Ctrl-C) or reset it and retry.',
    });
  }
}

/** `"OK\x04"`-style rendering of bytes for messages; long input is cut. */
export function printable(bytes: Uint8Array, max = 80): string {
  let text = '';
  for (const b of bytes.subarray(0, max)) {
    text += b === 0x0d ? '\\r' : b === 0x0a ? '\\n' : b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `"${text}"${bytes.length > max ? `… (${bytes.length} bytes)` : ''}`;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

export type ReplMarkerKind = 'friendly-prompt' | 'raw-banner' | 'soft-reboot';
export interface ReplMarker {
  kind: ReplMarkerKind;
  /** Offset in the whole stream just past the marker. */
  end: number;
  /** The same offset within the chunk just fed (`chunk.subarray(endInChunk)` is what follows). */
  endInChunk: number;
}

const markerPatterns: [ReplMarkerKind, Uint8Array][] = [
  ['friendly-prompt', ascii(FRIENDLY_PROMPT)],
  ['raw-banner', ascii(RAW_REPL_BANNER)],
  ['soft-reboot', ascii(SOFT_REBOOT)],
];
const longestMarker = Math.max(...markerPatterns.map(([, p]) => p.length));

/** Finds REPL prompts and banners in a byte stream, across chunk boundaries. */
export class ReplMarkerScanner {
  private tail = new Uint8Array(0);
  private offset = 0;

  /** Markers that end inside `chunk`, in stream order. */
  feed(chunk: Uint8Array): ReplMarker[] {
    const window = concat([this.tail, chunk]);
    const markers: ReplMarker[] = [];
    for (const [kind, pattern] of markerPatterns) {
      for (let i = indexOf(window, pattern); i >= 0; i = indexOf(window, pattern, i + 1)) {
        const endInWindow = i + pattern.length;
        // Matches ending inside the kept tail were reported with the previous chunk.
        if (endInWindow <= this.tail.length) continue;
        const endInChunk = endInWindow - this.tail.length;
        markers.push({ kind, end: this.offset + endInChunk, endInChunk });
      }
    }
    this.offset += chunk.length;
    this.tail = window.slice(Math.max(0, window.length - (longestMarker - 1)));
    return markers.sort((a, b) => a.end - b.end);
  }
}

export interface RawReplResult {
  stdout: Uint8Array;
  /** The traceback when the code raised; empty on success. */
  stderr: Uint8Array;
  /** Bytes that followed the final `>` in the last chunk fed. */
  rest: Uint8Array;
}

/** 'raw': a plain raw exec, answered `OK`. 'raw-paste': fed from the host's end-of-data `\x04`; the device acks with `\x04` instead of `OK`. */
export type RawReplMode = 'raw' | 'raw-paste';
type Phase = 'O' | 'K' | 'ack' | 'stdout' | 'stderr' | 'prompt' | 'done';

/**
 * Parses the device's answer to one exec: `OK` stdout `\x04` stderr `\x04` `>` (raw), or
 * [window credits `\x01`…] `\x04` stdout `\x04` stderr `\x04` `>` (raw-paste). One parser per exec.
 */
export class RawReplResponseParser {
  private phase: Phase;
  private readonly stdout: Uint8Array[] = [];
  private readonly stderr: Uint8Array[] = [];

  constructor(
    readonly mode: RawReplMode,
    private readonly options: { onStdout?: (bytes: Uint8Array) => void } = {},
  ) {
    this.phase = mode === 'raw' ? 'O' : 'ack';
  }

  get done(): boolean {
    return this.phase === 'done';
  }

  /** Returns the result once the final `>` arrived; throws ReplProtocolError on a byte the protocol forbids. */
  feed(chunk: Uint8Array): RawReplResult | undefined {
    if (this.phase === 'done') throw new Error('RawReplResponseParser: the exec already finished; use a new parser');
    let i = 0;
    while (i < chunk.length && this.phase !== 'done') {
      if (this.phase === 'stdout' || this.phase === 'stderr') {
        const eof = chunk.indexOf(Ctrl.D, i);
        const piece = chunk.slice(i, eof < 0 ? chunk.length : eof);
        if (piece.length > 0) {
          if (this.phase === 'stdout') {
            this.stdout.push(piece);
            this.options.onStdout?.(piece);
          } else this.stderr.push(piece);
        }
        if (eof < 0) return undefined;
        this.phase = this.phase === 'stdout' ? 'stderr' : 'prompt';
        i = eof + 1;
        continue;
      }
      const byte = chunk[i]!;
      i++;
      if (this.phase === 'O' && byte === 0x4f) this.phase = 'K';
      else if (this.phase === 'K' && byte === 0x4b) this.phase = 'stdout';
      else if (this.phase === 'ack' && byte === Ctrl.D) this.phase = 'stdout';
      else if (this.phase === 'ack' && byte === Ctrl.A) continue; // a late window credit
      else if (this.phase === 'prompt' && byte === 0x3e) this.phase = 'done';
      else {
        const expected = { O: '"OK"', K: '"OK"', ack: 'the end-of-data ack \\x04', prompt: 'the ">" prompt' }[this.phase];
        throw new ReplProtocolError(`raw REPL: expected ${expected}`, chunk.slice(Math.max(0, i - 1), i + 40));
      }
    }
    if (this.phase !== 'done') return undefined;
    return { stdout: concat(this.stdout), stderr: concat(this.stderr), rest: chunk.slice(i) };
  }
}

export type RawPasteHandshake =
  /** Raw-paste accepted: send up to `window` bytes now; `rest` starts with the device's first `\x01` credit when it arrived. */
  | { kind: 'supported'; window: number; rest: Uint8Array }
  /** `R\x00`: the firmware knows raw-paste but refuses it; the device waits for a plain raw exec. */
  | { kind: 'refused'; rest: Uint8Array }
  /** Old firmware ignored the request and reprinted the raw banner; it is back at the raw `>` prompt. */
  | { kind: 'unsupported'; rest: Uint8Array };

// mpremote waits for this suffix: the first two bytes ("ra") were already read as the answer.
const bannerSuffix = ascii('w REPL; CTRL-B to exit\r\n>');

/** Decodes the device's answer to `\x05A\x01` (ReplCommands.rawPasteRequest). */
export class RawPasteHandshakeParser {
  private readonly seen: Uint8Array[] = [];

  feed(chunk: Uint8Array): RawPasteHandshake | undefined {
    this.seen.push(chunk);
    const buf = concat(this.seen);
    if (buf.length < 2) return undefined;
    if (buf[0] === 0x52 && buf[1] === 0x00) return { kind: 'refused', rest: buf.slice(2) };
    if (buf[0] === 0x52 && buf[1] === 0x01) {
      if (buf.length < 4) return undefined;
      return { kind: 'supported', window: buf[2]! | (buf[3]! << 8), rest: buf.slice(4) };
    }
    const at = indexOf(buf, bannerSuffix);
    return at < 0 ? undefined : { kind: 'unsupported', rest: buf.slice(at + bannerSuffix.length) };
  }
}

/**
 * Host-side raw-paste flow control. The device grants `window` bytes up front and one more window
 * per `\x01` (its first `\x01` arrives right after the handshake, so 2×window may be in flight, as
 * mpremote does). A `\x04` from the device aborts (it stopped reading, e.g. a SyntaxError): reply
 * `\x04` and stop sending. Either way exactly one `\x04` from the device precedes the output, so
 * feed every byte after the handshake both here (while sending) and to a
 * `RawReplResponseParser('raw-paste')`.
 */
export class RawPasteFlow {
  private creditBytes: number;
  private abortedFlag = false;

  constructor(readonly window: number) {
    this.creditBytes = window;
  }

  get credit(): number {
    return this.creditBytes;
  }

  get aborted(): boolean {
    return this.abortedFlag;
  }

  /** Bytes the device sent while data flows; whatever follows an abort belongs to the response. */
  feed(bytes: Uint8Array): void {
    for (const [i, b] of bytes.entries()) {
      if (this.abortedFlag) return;
      if (b === Ctrl.A) this.creditBytes += this.window;
      else if (b === Ctrl.D) this.abortedFlag = true;
      else throw new ReplProtocolError('raw-paste: unexpected byte while sending', bytes.slice(i, i + 40));
    }
  }

  /** How many of `wanted` bytes may be sent now; the credit is spent. */
  take(wanted: number): number {
    const n = this.abortedFlag ? 0 : Math.min(wanted, this.creditBytes);
    this.creditBytes -= n;
    return n;
  }
}
