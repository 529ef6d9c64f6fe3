// The compiled library (dist/) the package ships. `npm test` builds it first; a test file run on its
// own builds it when it is missing or older than a source under tools/, so it never tests a
// library that is not there or not what the sources say.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const libraryEntry = path.join(repoRoot, 'dist', 'lib', 'index.js');

export function ensureLibraryBuilt(): void {
  if (existsSync(libraryEntry) && newestSource(path.join(repoRoot, 'tools')) <= statSync(libraryEntry).mtimeMs) return;
  execFileSync(process.execPath, [path.join(repoRoot, 'tools/lib/buildLibrary.mjs')], { stdio: 'inherit' });
}

/** The latest modification time of a file under `dir` (the build copies .mjs/.py as well as compiling .ts). */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}
