// Telnet framing as RFC 2217 uses it (RFC 854/855/856): data with IAC (0xFF) doubled, option
// negotiation (IAC DO/DONT/WILL/WONT opt) and subnegotiation (IAC SB opt … IAC SE). Pure.

export const IAC = 0xff;
export const DONT = 0xfe;
export const DO = 0xfd;
export const WONT = 0xfc;
export const WILL = 0xfb;
export const SB = 0xfa;
export const SE = 0xf0;

export const Option = { BINARY: 0x00, ECHO: 0x01, SGA: 0x03, COM_PORT: 0x2c } as const;

export type TelnetEvent =
  | { type: 'data'; bytes: Uint8Array }
  | { type: 'negotiate'; /** DO, DONT, WILL or WONT */ verb: number; option: number }
  | { type: 'subnegotiation'; option: number; payload: Uint8Array };

/** Splits a TCP byte stream into data and Telnet commands; keeps state across chunks. */
export class TelnetParser {
  private mode: 'data' | 'iac' | 'verb' | 'sb' | 'sb-iac' = 'data';
  private verb = 0;
  private sub: number[] = [];

  push(chunk: Uint8Array): TelnetEvent[] {
    const events: TelnetEvent[] = [];
    let data: number[] = [];
    const flush = (): void => {
      if (data.length > 0) events.push({ type: 'data', bytes: Uint8Array.from(data) });
      data = [];
    };
    for (const byte of chunk) {
      switch (this.mode) {
        case 'data':
          if (byte === IAC) this.mode = 'iac';
          else data.push(byte);
          break;
        case 'iac':
          if (byte === IAC) {
            data.push(IAC);
            this.mode = 'data';
          } else if (byte === DO || byte === DONT || byte === WILL || byte === WONT) {
            this.verb = byte;
            this.mode = 'verb';
          } else if (byte === SB) {
            this.sub = [];
            this.mode = 'sb';
          } else {
            this.mode = 'data'; // NOP, GA, BRK…: nothing to do for a serial port
          }
          break;
        case 'verb':
          flush();
          events.push({ type: 'negotiate', verb: this.verb, option: byte });
          this.mode = 'data';
          break;
        case 'sb':
          if (byte === IAC) this.mode = 'sb-iac';
          else this.sub.push(byte);
          break;
        case 'sb-iac':
          if (byte === IAC) {
            this.sub.push(IAC);
            this.mode = 'sb';
          } else {
            // IAC SE ends it (anything else after IAC inside SB is a protocol error: end it too).
            flush();
            const [option = -1, ...payload] = this.sub;
            events.push({ type: 'subnegotiation', option, payload: Uint8Array.from(payload) });
            this.mode = 'data';
          }
          break;
      }
    }
    flush();
    return events;
  }
}

/** Data bytes for the wire: every 0xFF doubled. */
export function escapeData(bytes: Uint8Array): Uint8Array {
  let count = 0;
  for (const b of bytes) if (b === IAC) count++;
  if (count === 0) return bytes;
  const out = new Uint8Array(bytes.length + count);
  let j = 0;
  for (const b of bytes) {
    out[j++] = b;
    if (b === IAC) out[j++] = IAC;
  }
  return out;
}

export function negotiation(verb: number, option: number): Uint8Array {
  return Uint8Array.from([IAC, verb, option]);
}

export function subnegotiation(option: number, payload: Uint8Array): Uint8Array {
  return Uint8Array.from([IAC, SB, option, ...escapeData(payload), IAC, SE]);
}
