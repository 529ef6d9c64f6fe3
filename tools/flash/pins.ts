// Trust on first use for release downloads: the sha256 of the first verified download of a
// board's MicroPython version is recorded in the user's cache folder (pins.json, next to the
// cached images; not inside the tool, which may be read-only or shared), and every later download
// or reuse of that version must match it. A file that changes under the same version is refused
// until the user accepts it (--repin).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';
import { writeCacheFile } from './cacheFile.ts';

export interface Pin {
  sha256: string;
  size: number;
  /** ISO time of the first verified download. */
  pinnedAt: string;
  /** Where those bytes came from (URL or file). */
  from: string;
}

export type Pins = Record<string, Pin>;

export const pinsFile = (cacheDir: string): string => path.join(cacheDir, 'pins.json');
export const pinKey = (boardId: string, version: string): string => `${boardId} ${version}`;

/** The recorded pins; none when the file does not exist yet. InputError (naming the file) when it is not readable JSON. */
export function readPins(cacheDir: string): Pins {
  const file = pinsFile(cacheDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    // No such file, or a cache path that is not a folder (said when the pin is written): no pins yet.
    if (['ENOENT', 'ENOTDIR'].includes((cause as NodeJS.ErrnoException).code ?? '')) return {};
    throw new InputError(`cannot read the image pins ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, [], { cause });
  }
  try {
    const pins = JSON.parse(text) as { pins?: Pins };
    if (typeof pins?.pins === 'object' && pins.pins !== null) return pins.pins;
  } catch {
    // reported below, with the fix
  }
  throw new InputError(`the image pins ${file} are not what mpy-iot wrote (not JSON with "pins")`, [], {
    hint: `delete ${file}: the next download of each version is pinned again`,
  });
}

/** Records (or replaces) one pin; written to a temporary file and renamed, so a crash leaves the old file whole. */
export function savePin(cacheDir: string, key: string, pin: Pin): void {
  const pins = { ...readPins(cacheDir), [key]: pin };
  const file = pinsFile(cacheDir);
  const doc = {
    $comment: "sha256 of each MicroPython release mpy-iot flash downloaded first ('board version'); later downloads must match. Delete an entry (or use flash --repin) to accept a changed file.",
    pins,
  };
  writeCacheFile(file, `${JSON.stringify(doc, null, 2)}\n`);
}
