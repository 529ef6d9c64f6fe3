// Far ends for serial tests only: an echo device that also records what the host did.
import type { SerialFarEnd } from '../../tools/serial/virtualBinding.ts';

export class EchoDevice implements SerialFarEnd {
  received: Uint8Array[] = [];
  receivedBytes = 0;
  lines: { dtr: boolean; rts: boolean }[] = [];
  bauds: number[] = [];
  connects = 0;
  disconnects = 0;
  echo = true;
  emit: ((bytes: Uint8Array) => void) | undefined;
  private waiters: { bytes: number; resolve: () => void }[] = [];

  connect(emit: (bytes: Uint8Array) => void): void {
    this.connects++;
    this.emit = emit;
  }

  receive(bytes: Uint8Array): void {
    this.received.push(Uint8Array.from(bytes));
    this.receivedBytes += bytes.length;
    if (this.echo) this.emit?.(bytes);
    this.waiters = this.waiters.filter((w) => (this.receivedBytes >= w.bytes ? (w.resolve(), false) : true));
  }

  signals(lines: { dtr: boolean; rts: boolean }): void {
    this.lines.push(lines);
  }

  baudRate(baud: number): void {
    this.bauds.push(baud);
  }

  disconnect(): void {
    this.disconnects++;
  }

  /** Resolves once `total` bytes arrived from the host in all. */
  untilReceived(total: number): Promise<void> {
    if (this.receivedBytes >= total) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ bytes: total, resolve }));
  }

  text(): string {
    return Buffer.concat(this.received).toString('latin1');
  }
}

let counter = 0;
/** A path no other test in this process uses (the virtual port registry is process-wide). */
export function uniquePath(name: string): string {
  return `/dev/ttyVIRT-${name}-${process.pid}-${counter++}`;
}
