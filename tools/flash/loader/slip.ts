// SLIP framing as the ESP serial bootloader uses it (protocols.md §2): every packet is wrapped in
// 0xC0 bytes; inside a packet 0xC0 travels as DB DC and 0xDB as DB DD. Pure, no I/O.

export const SLIP_END = 0xc0;
export const SLIP_ESC = 0xdb;
export const SLIP_ESC_END = 0xdc;
export const SLIP_ESC_ESC = 0xdd;

/** Wraps one packet: C0, escaped payload, C0. */
export function slipEncode(packet: Uint8Array): Uint8Array {
  let extra = 0;
  for (const byte of packet) if (byte === SLIP_END || byte === SLIP_ESC) extra++;
  const out = new Uint8Array(packet.length + extra + 2);
  let o = 0;
  out[o++] = SLIP_END;
  for (const byte of packet) {
    if (byte === SLIP_END) {
      out[o++] = SLIP_ESC;
      out[o++] = SLIP_ESC_END;
    } else if (byte === SLIP_ESC) {
      out[o++] = SLIP_ESC;
      out[o++] = SLIP_ESC_ESC;
    } else {
      out[o++] = byte;
    }
  }
  out[o] = SLIP_END;
  return out;
}

export interface SlipDecoderStats {
  /** Bytes seen outside any packet (boot text, line noise); they are dropped. */
  noise: number;
  /** Packets dropped because of an invalid escape (DB followed by anything but DC/DD). */
  badEscapes: number;
}

/**
 * Streaming decoder: `push` any chunking of the byte stream, get back the packets it completed.
 * Bytes before the first C0 are noise; C0 C0 (an empty packet) is the end of one packet and the
 * start of the next, as both the ROM and esptool send them. A bad escape drops that packet.
 */
export class SlipDecoder {
  readonly stats: SlipDecoderStats = { noise: 0, badEscapes: 0 };
  private buffer: number[] | null = null;
  private escaping = false;
  private broken = false;

  push(bytes: Uint8Array): Uint8Array[] {
    const packets: Uint8Array[] = [];
    for (const byte of bytes) {
      if (byte === SLIP_END) {
        if (this.buffer && this.buffer.length > 0 && !this.broken) packets.push(Uint8Array.from(this.buffer));
        this.buffer = [];
        this.escaping = false;
        this.broken = false;
      } else if (this.buffer === null) {
        this.stats.noise++;
      } else if (this.escaping) {
        this.escaping = false;
        if (byte === SLIP_ESC_END) this.buffer.push(SLIP_END);
        else if (byte === SLIP_ESC_ESC) this.buffer.push(SLIP_ESC);
        else if (!this.broken) {
          this.broken = true;
          this.stats.badEscapes++;
        }
      } else if (byte === SLIP_ESC) {
        this.escaping = true;
      } else {
        this.buffer.push(byte);
      }
    }
    return packets;
  }

  /** Forgets a partial packet (the chip was reset). */
  reset(): void {
    this.buffer = null;
    this.escaping = false;
    this.broken = false;
  }
}

/** Decodes a whole captured stream at once (tests, traces). */
export function slipDecodeAll(bytes: Uint8Array): Uint8Array[] {
  return new SlipDecoder().push(bytes);
}
