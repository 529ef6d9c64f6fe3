// The host's copy of a running board's flash, kept up to date from the changes its worker reports
// (worker/files.mjs), so a board ended from outside keeps what it wrote.
import type { FlashChange } from './boardTypes.ts';

/** Applies a change to a copy of the flash's files (paths without a leading slash); returns the files. */
export function applyFlashChange(files: Record<string, Uint8Array>, change: FlashChange): Record<string, Uint8Array> {
  switch (change.t) {
    case 'file':
      files[change.path] = change.contents;
      return files;
    case 'unlink':
      delete files[change.path];
      return files;
    case 'rename':
      // A file, or a folder: everything under it moves.
      for (const path of Object.keys(files)) {
        if (path !== change.from && !path.startsWith(`${change.from}/`)) continue;
        files[change.to + path.slice(change.from.length)] = files[path]!;
        delete files[path];
      }
      return files;
    case 'files':
      return { ...change.files };
  }
}
