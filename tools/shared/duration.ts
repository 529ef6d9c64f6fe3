import { InputError } from '../errors.ts';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "30s", "1.5m", "500ms", "2h" or a bare number of seconds → milliseconds. */
export function parseDuration(text: string | number, option: string): number {
  if (typeof text === 'number') return text * 1000;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!match) {
    throw new InputError(`${option}: '${text}' is not a duration`, [], { hint: 'write it like 30s, 500ms, 2m or 1h (a bare number means seconds)' });
  }
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 's']!);
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60_000).toFixed(1)} min`;
}
