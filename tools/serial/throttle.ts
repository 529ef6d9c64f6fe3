// Paces bytes at the speed of a UART so virtual transfers take as long as real ones.
// A UART frame is 10 bits per byte (start + 8 data + stop, no parity), hence baud ÷ 10 bytes/s.

/** Bytes per second on the wire at `baud` (8N1). */
export function uartBytesPerSecond(baud: number): number {
  return baud / 10;
}

interface Pending {
  bytes: Uint8Array;
  offset: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * A FIFO that hands bytes to `deliver` no faster than `bytesPerSecond()` (read on every tick,
 * so a baud change applies mid-transfer). `Infinity` means unthrottled: bytes still leave
 * asynchronously (next macrotask), in order, so both modes behave alike apart from timing.
 */
export class ByteThrottle {
  private readonly queue: Pending[] = [];
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private lastTick = 0;
  private credit = 0;

  constructor(
    private readonly bytesPerSecond: () => number,
    private readonly deliver: (bytes: Uint8Array) => void,
    /** Granularity of the pacing; at 115200 baud a 4 ms tick carries ~46 bytes. */
    private readonly tickMs = 4,
  ) {}

  /** Queues `bytes`; resolves once the last of them was delivered. */
  send(bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ bytes, offset: 0, resolve, reject });
      if (this.timer === undefined) {
        // Credit only accrues while something waits, so an idle link never bursts.
        this.lastTick = performance.now();
        this.credit = 0;
        this.schedule();
      }
    });
  }

  /** Bytes queued but not yet delivered. */
  get pending(): number {
    return this.queue.reduce((sum, p) => sum + p.bytes.length - p.offset, 0);
  }

  /** Drops everything queued: pending sends reject with `error`, or resolve when it is undefined (a flush). */
  clear(error?: Error): void {
    this.stopTimer();
    for (const pending of this.queue.splice(0)) {
      if (error) pending.reject(error);
      else pending.resolve();
    }
  }

  private schedule(): void {
    this.timer = Number.isFinite(this.bytesPerSecond()) ? setTimeout(this.pump, this.tickMs) : setImmediate(this.pump);
  }

  private stopTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer as NodeJS.Timeout);
    clearImmediate(this.timer as NodeJS.Immediate);
    this.timer = undefined;
  }

  private readonly pump = (): void => {
    this.timer = undefined;
    const now = performance.now();
    const rate = this.bytesPerSecond();
    this.credit = Number.isFinite(rate) ? this.credit + ((now - this.lastTick) * rate) / 1000 : Infinity;
    this.lastTick = now;
    while (this.queue.length > 0 && this.credit >= 1) {
      const head = this.queue[0]!;
      const count = Math.min(head.bytes.length - head.offset, Math.floor(Math.min(this.credit, Number.MAX_SAFE_INTEGER)));
      const slice = head.bytes.subarray(head.offset, head.offset + count);
      head.offset += count;
      this.credit -= count;
      if (head.offset === head.bytes.length) this.queue.shift();
      try {
        this.deliver(slice);
      } catch (error) {
        // A receiver that throws fails the send that carried the bytes, like a broken line.
        head.reject(error as Error);
        this.clear(error as Error);
        return;
      }
      if (head.offset === head.bytes.length) head.resolve();
    }
    if (this.queue.length > 0) this.schedule();
  };
}
