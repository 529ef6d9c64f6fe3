import { distance } from 'fastest-levenshtein';

/**
 * The closest known name to `input`, or undefined when nothing is close enough to be a typo.
 * "Close enough" scales with length so `esp23` finds `esp32` but `foo` does not find `esp32`.
 */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  const needle = input.toLowerCase();
  let best: { name: string; cost: number } | undefined;
  for (const name of candidates) {
    const cost = distance(needle, name.toLowerCase());
    if (!best || cost < best.cost) best = { name, cost };
  }
  if (!best) return undefined;
  // A swapped pair of letters costs 2 in Levenshtein distance, so allow at least that.
  const allowed = Math.max(2, Math.floor(Math.max(needle.length, best.name.length) / 3));
  return best.cost <= allowed ? best.name : undefined;
}
