// The compiled library (dist/) the package ships. `npm test` builds it first; a test file run on its
// own builds it when it is missing, so it never tests a library that is not there.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const libraryEntry = path.join(repoRoot, 'dist', 'lib', 'index.js');

export function ensureLibraryBuilt(): void {
  if (!existsSync(libraryEntry)) execFileSync(process.execPath, [path.join(repoRoot, 'tools/lib/buildLibrary.mjs')], { stdio: 'inherit' });
}
