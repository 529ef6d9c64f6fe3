// Temperature history per board (row key) for the charts: a bounded ring per board, and the points
// added since the last push, so each push carries only what is new.
import type { MessageResult } from '../harness/index.ts';

/** [time in seconds since the epoch (uPlot's x unit), °C]. */
export type Point = [number, number];

const MAX_BOARDS = 1000;

export class TemperatureHistory {
  private readonly series = new Map<string, Point[]>();
  private fresh = new Map<string, Point[]>();

  /** `limit` points kept per board: at one message a second, the last 10 minutes by default. */
  constructor(private readonly limit = 600) {}

  /** Feeds one harness result; keeps telemetry that carries a numeric temperature. */
  add(message: MessageResult): void {
    if (message.kind !== 'telemetry') return;
    const value = (message.payload as { temperature?: unknown } | null | undefined)?.temperature;
    if (typeof value !== 'number' || !Number.isFinite(value)) return;
    const point: Point = [message.receivedAt / 1000, value];
    let points = this.series.get(message.key);
    if (!points) {
      // A broker full of strangers' topics must not grow this without bound: forget the oldest board.
      if (this.series.size >= MAX_BOARDS) this.series.delete(this.series.keys().next().value!);
      this.series.set(message.key, (points = []));
    }
    points.push(point);
    if (points.length > this.limit) points.splice(0, points.length - this.limit);
    let added = this.fresh.get(message.key);
    if (!added) this.fresh.set(message.key, (added = []));
    added.push(point);
  }

  /** Everything kept, for a page that just connected. */
  all(): Record<string, Point[]> {
    return Object.fromEntries(this.series);
  }

  /** The points added since the last call (empty object when none). */
  takeFresh(): Record<string, Point[]> {
    const out = Object.fromEntries(this.fresh);
    this.fresh = new Map();
    return out;
  }
}
