// Per-topic bookkeeping for one board: arrival intervals and `seq` continuity. A board that
// publishes the same payload to two topics has two streams, so one never looks like the other's
// duplicate. Constant memory per stream except the (bounded) set of missing numbers.
import type { IntervalStats, SeqStats } from './types.ts';

/** Missing numbers remembered individually (so late arrivals can be taken off); the count is exact beyond. */
const MISSING_TRACKED = 10_000;
const MISSING_SAMPLE = 20;
/** Times of the newest resets kept (a ring): enough to tell a crash loop, constant memory. */
const RECENT_RESETS = 16;

export class SeqState {
  last: number | null = null;
  missing = 0;
  duplicates = 0;
  resets = 0;
  /** When the newest resets were seen (receive time of the first payload of each new count), oldest first. */
  readonly recentResets: number[] = [];
  /**
   * Set by a birth: 'reboot' (connects=1) means the next number starts a new count whatever it is;
   * 'maybe' (a birth without connects, other firmware) only when the number did not go up.
   */
  resetPending: 'reboot' | 'maybe' | null = null;
  private readonly missingSet = new Set<number>();

  /** `at`: when the payload arrived (a reset is dated by it). */
  observe(seq: number, at: number): void {
    const last = this.last;
    const pending = this.resetPending;
    this.resetPending = null;
    if (last === null) {
      this.last = seq;
      return;
    }
    if (pending === 'reboot' || (pending === 'maybe' && seq <= last)) {
      // We saw the reboot, so numbers 0..seq-1 of the new count were published and lost.
      this.startOver(seq, true, at);
      return;
    }
    if (seq === last + 1) {
      this.last = seq;
    } else if (seq > last + 1) {
      const lost = seq - last - 1;
      this.missing += lost;
      const room = Math.min(lost, MISSING_TRACKED - this.missingSet.size);
      for (let n = last + 1; n < last + 1 + room; n++) this.missingSet.add(n);
      this.last = seq;
    } else if (seq === 0 && last > 0) {
      // Back to 0 without a birth seen (started watching late, or the status topic is not watched).
      this.startOver(0, false, at);
    } else if (this.missingSet.delete(seq)) {
      this.missing--;
    } else {
      this.duplicates++;
    }
  }

  private startOver(seq: number, countBelow: boolean, at: number): void {
    this.resets++;
    if (this.recentResets.length === RECENT_RESETS) this.recentResets.shift();
    this.recentResets.push(at);
    this.missingSet.clear();
    if (countBelow && seq > 0) {
      this.missing += seq;
      for (let n = 0; n < Math.min(seq, MISSING_TRACKED); n++) this.missingSet.add(n);
    }
    this.last = seq;
  }

  stats(): SeqStats {
    const missingSample: number[] = [];
    for (const n of this.missingSet) {
      if (missingSample.length === MISSING_SAMPLE) break;
      missingSample.push(n);
    }
    return { last: this.last, missing: this.missing, missingSample, duplicates: this.duplicates, resets: this.resets, recentResets: [...this.recentResets] };
  }
}

/** Arrival intervals with Welford's online mean/variance: O(1) memory, numerically stable. */
export class Stream {
  seq: SeqState | null = null;
  /** Skip the interval spanning a birth: it measures the outage, not the schedule. */
  skipNextInterval = false;
  n = 0;
  mean = 0;
  m2 = 0;
  min = Infinity;
  max = -Infinity;
  private lastAt = -1;

  arrived(at: number): void {
    if (this.lastAt >= 0 && !this.skipNextInterval) {
      const dt = at - this.lastAt;
      this.n++;
      const delta = dt - this.mean;
      this.mean += delta / this.n;
      this.m2 += delta * (dt - this.mean);
      if (dt < this.min) this.min = dt;
      if (dt > this.max) this.max = dt;
    }
    this.skipNextInterval = false;
    this.lastAt = at;
  }
}

/** Pools the intervals of several streams (Chan et al.'s parallel variance). */
export function poolIntervals(streams: Iterable<Stream>): IntervalStats {
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  const parts: Stream[] = [];
  for (const s of streams) {
    if (s.n === 0) continue;
    parts.push(s);
    n += s.n;
    sum += s.n * s.mean;
    min = Math.min(min, s.min);
    max = Math.max(max, s.max);
  }
  if (n === 0) return { samples: 0, meanMs: null, jitterMs: null, minMs: null, maxMs: null };
  const mean = sum / n;
  let m2 = 0;
  for (const s of parts) m2 += s.m2 + s.n * (s.mean - mean) ** 2;
  return { samples: n, meanMs: round(mean), jitterMs: round(Math.sqrt(m2 / n)), minMs: round(min), maxMs: round(max) };
}

/** Pools seq counters of several streams; null when none carried seq. */
export function poolSeq(streams: Iterable<Stream>): SeqStats | null {
  let out: SeqStats | null = null;
  for (const s of streams) {
    if (!s.seq) continue;
    const st = s.seq.stats();
    if (!out) {
      out = st;
      continue;
    }
    out.missing += st.missing;
    out.duplicates += st.duplicates;
    // One reboot shows on every topic the board publishes to: the stream that saw most speaks for it.
    if (st.resets > out.resets) out.recentResets = st.recentResets;
    out.resets = Math.max(out.resets, st.resets);
    out.last = Math.max(out.last ?? 0, st.last ?? 0);
    out.missingSample = [...new Set([...out.missingSample, ...st.missingSample])].slice(0, MISSING_SAMPLE);
  }
  return out;
}

const round = (v: number): number => Math.round(v * 10) / 10;
