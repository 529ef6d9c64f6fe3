// Whole numbers typed on the command line, checked where they are read so a bad one is refused
// by the flag's name (exit 2) instead of surfacing later as an internal error or a silent default.
import { InputError } from '../errors.ts';

/** A TCP port, 1-65535 (0 too, meaning "any free port", where the caller allows it). */
export function parsePort(text: string | number, option: string, options: { allowAny?: boolean } = {}): number {
  const port = wholeNumber(text);
  const low = options.allowAny ? 0 : 1;
  if (port === null || port < low || port > 65535) {
    throw new InputError(`${option}: '${text}' is not a TCP port`, [], { hint: `give a whole number from ${low} to 65535${options.allowAny ? ' (0 = any free port)' : ''}, e.g. ${option} 1883` });
  }
  return port;
}

/** A count of things, at least `min` (1 unless said: `--max-invalid` allows 0). */
export function parseCount(text: string | number, option: string, min = 1): number {
  const count = wholeNumber(text);
  if (count === null || count < min) throw new InputError(`${option}: '${text}' is not a count`, [], { hint: `give a whole number of at least ${min}, e.g. ${option} ${min + 2}` });
  return count;
}

function wholeNumber(text: string | number): number | null {
  const value = typeof text === 'number' ? text : /^\s*-?\d+\s*$/.test(text) ? Number(text) : NaN;
  return Number.isSafeInteger(value) ? value : null;
}
