// The host's end of a virtual board's serial receive ring (shared memory the worker reads from):
// bytes written while the ring is full wait here and move in as the interpreter drains it, so a
// fast host never loses bytes and never blocks (as a USB-serial adapter's buffer would).
import { INPUT_BYTES, SLOT } from './protocol.mjs';

export class UartRing {
  private queue: Uint8Array[] = [];
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly ctrl: Int32Array,
    private readonly ring: Uint8Array,
  ) {}

  write(bytes: Uint8Array): void {
    this.queue.push(bytes);
    this.pump();
  }

  /** Moves queued bytes into the ring as room frees up, then wakes the worker. */
  private pump(): void {
    let head = Atomics.load(this.ctrl, SLOT.inputHead);
    const tail = Atomics.load(this.ctrl, SLOT.inputTail);
    while (this.queue.length > 0) {
      const room = INPUT_BYTES - ((head - tail) | 0);
      if (room <= 0) break;
      const chunk = this.queue[0]!;
      const n = Math.min(room, chunk.length);
      for (let i = 0; i < n; i++) this.ring[(((head + i) % INPUT_BYTES) + INPUT_BYTES) % INPUT_BYTES] = chunk[i]!;
      head = (head + n) | 0;
      if (n === chunk.length) this.queue.shift();
      else this.queue[0] = chunk.subarray(n);
    }
    Atomics.store(this.ctrl, SLOT.inputHead, head);
    Atomics.notify(this.ctrl, SLOT.inputHead);
    Atomics.store(this.ctrl, SLOT.wake, 1);
    Atomics.notify(this.ctrl, SLOT.wake);
    if (this.queue.length > 0 && !this.retry) {
      this.retry = setTimeout(() => {
        this.retry = null;
        this.pump();
      }, 5);
    }
  }
}
