// Decodes the DTR/RTS line changes a host makes into ESP chip resets, for virtual boards.
//
// Both kinds of ESP dev board decode the two lines with the same truth table
// (true = line asserted = pin low):
//
//   dtr rts | EN (reset)  IO0 (boot strap)
//   false true  |  low: chip held    high
//   true  false |  high              low: download mode requested
//   equal       |  high              high   (opening a port asserts both: no reset)
//
// They differ in when IO0 counts:
// - 'classic': a USB-UART bridge (CP210x, CH340…) with the two-transistor auto-reset circuit.
//   The chip samples IO0 shortly after EN rises (the RC delay on EN). esptool flips DTR and RTS
//   in two separate calls (`D1` then `R0`), which passes through dtr=rts=true and releases EN an
//   instant before IO0 goes low; the RC delay is what makes that work. Rule: the reset boots in
//   download mode when IO0 is low at the release or goes low within `strapWindowMs` after it.
// - 'usb-jtag-serial': the chip's own USB-Serial/JTAG controller (ESP32-C3/S3, PID 0x1001). It
//   latches a download request while IO0 reads low and forgets it only on dtr=rts=false outside
//   reset; that is why esptool's sequence goes through (1,1) rather than (0,0) before resetting.
//   Rule: the boot mode is the request latched when EN was pulled low.

export type EspWiring = 'classic' | 'usb-jtag-serial';
export type EspBootMode = 'download' | 'normal';
export interface EspLines {
  dtr: boolean;
  rts: boolean;
}
export type EspResetEvent =
  /** EN went low: the chip stops running. */
  | { type: 'hold'; at: number }
  /** EN was released at `at`; the chip boots into the ROM loader ('download') or the app. */
  | { type: 'reset'; at: number; bootMode: EspBootMode };

export interface EspResetDecoderOptions {
  wiring?: EspWiring;
  /** 'classic' only: how long after EN rises IO0 may still go low and count. */
  strapWindowMs?: number;
  /** Line state before the first update (a closed port: both released). */
  initial?: EspLines;
}

const enLow = (l: EspLines): boolean => l.rts && !l.dtr;
const io0Low = (l: EspLines): boolean => l.dtr && !l.rts;

/**
 * Pure: feed every line change with its time (ms, any monotonic clock) to `update`; it returns
 * the events those changes complete. A 'classic' release with IO0 high is only decided once the
 * strap window passes, so call `poll(now)` at `deadline` (a timer) or rely on the next update.
 */
export class EspResetDecoder {
  readonly wiring: EspWiring;
  private readonly strapWindowMs: number;
  private lines: EspLines;
  private releasedAt: number | undefined;
  private downloadRequested = false;
  private latchedDownload = false;

  constructor(options: EspResetDecoderOptions = {}) {
    this.wiring = options.wiring ?? 'classic';
    this.strapWindowMs = options.strapWindowMs ?? 10;
    this.lines = { ...(options.initial ?? { dtr: false, rts: false }) };
  }

  /** True while EN is held low. */
  get held(): boolean {
    return enLow(this.lines);
  }

  /** When a pending 'classic' reset will be decided by `poll`; undefined when nothing is pending. */
  get deadline(): number | undefined {
    return this.releasedAt === undefined ? undefined : this.releasedAt + this.strapWindowMs;
  }

  update(lines: EspLines, at: number): EspResetEvent[] {
    const events = this.poll(at);
    const before = this.lines;
    const after = { dtr: lines.dtr, rts: lines.rts };
    this.lines = after;
    if (this.wiring === 'usb-jtag-serial') return [...events, ...this.usbJtag(before, after, at)];
    if (this.releasedAt !== undefined && io0Low(after)) {
      events.push({ type: 'reset', at: this.releasedAt, bootMode: 'download' });
      this.releasedAt = undefined;
    }
    if (!enLow(before) && enLow(after)) {
      // Held again inside the strap window: the short run counts as a normal boot.
      events.push(...this.settle('normal'), { type: 'hold', at });
    } else if (enLow(before) && !enLow(after)) {
      if (io0Low(after)) events.push({ type: 'reset', at, bootMode: 'download' });
      else this.releasedAt = at;
    }
    return events;
  }

  /** Decides a pending 'classic' reset once `at` is past the strap window. */
  poll(at: number): EspResetEvent[] {
    const deadline = this.deadline;
    return deadline !== undefined && at >= deadline ? this.settle('normal') : [];
  }

  private settle(bootMode: EspBootMode): EspResetEvent[] {
    if (this.releasedAt === undefined) return [];
    const event: EspResetEvent = { type: 'reset', at: this.releasedAt, bootMode };
    this.releasedAt = undefined;
    return [event];
  }

  private usbJtag(before: EspLines, after: EspLines, at: number): EspResetEvent[] {
    const events: EspResetEvent[] = [];
    if (!enLow(before) && enLow(after)) {
      this.latchedDownload = this.downloadRequested;
      events.push({ type: 'hold', at });
    } else if (enLow(before) && !enLow(after)) {
      events.push({ type: 'reset', at, bootMode: this.latchedDownload ? 'download' : 'normal' });
    }
    if (io0Low(after)) this.downloadRequested = true;
    else if (!after.dtr && !after.rts) this.downloadRequested = false;
    return events;
  }
}
