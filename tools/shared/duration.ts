import { InputError } from '../errors.ts';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h)/g;

/**
 * "30s", "1.5m", "500ms", "2h", "1h30m" or a bare number of seconds → milliseconds. Zero is refused
 * (a zero-length run or timeout is always a slip) unless `allowZero`, for moments such as "cut at 0s".
 */
export function parseDuration(text: string | number, option: string, options: { allowZero?: boolean } = {}): number {
  const ms = typeof text === 'number' ? text * 1000 : parseText(text.trim());
  if (ms === null || !Number.isFinite(ms)) {
    const negative = /^\s*-/.test(String(text));
    throw new InputError(`${option}: '${text}' is not a duration${negative ? ' (it cannot be negative)' : ''}`, [], { hint: 'write it like 30s, 500ms, 2m, 1h or 1h30m (a bare number means seconds)' });
  }
  if (ms < 0 || (ms === 0 && !options.allowZero)) {
    throw new InputError(`${option}: '${text}' is ${ms < 0 ? 'negative' : 'zero'}; it must be longer than that`, [], { hint: `give a positive duration, e.g. ${option} 30s` });
  }
  return Math.round(ms);
}

function parseText(text: string): number | null {
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text) * 1000;
  // Compound forms ("1h30m", "2m 30s") must be parts and nothing else in between.
  if (!new RegExp(`^(?:${PART.source}\\s*)+$`).test(text)) return null;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * UNITS[unit!]!;
  return total;
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60_000).toFixed(1)} min`;
}
