// Writes into the firmware cache folder: whole or not at all, and a clear refusal where it cannot.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';

/**
 * Writes `data` to a temporary file beside `file` and renames it, so a crash leaves the old file
 * whole. A folder that cannot be written (a read-only home on a school machine, a container) is an
 * InputError naming it, with the setting that moves the cache, instead of a raw EACCES.
 */
export function writeCacheFile(file: string, data: string | Uint8Array): void {
  const part = `${file}.${process.pid}.part`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(part, data);
    renameSync(part, file);
  } catch (cause) {
    try {
      rmSync(part, { force: true });
    } catch {
      // the folder itself is unusable: nothing was written there
    }
    const code = (cause as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError(`cannot write the firmware cache at ${path.dirname(file)} (${code})`, [], {
      cause,
      hint: 'set MPY_IOT_CACHE_DIR to a folder you can write (e.g. MPY_IOT_CACHE_DIR=./.mpy-iot-cache), or use --image FILE to flash a file as it is',
    });
  }
}
