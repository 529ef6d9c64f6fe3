// Lints Python sources with ruff compiled to WebAssembly: no Python or ruff binary needed.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import v8 from 'node:v8';
import type { Diagnostic as RuffDiagnostic, Workspace } from '@astral-sh/ruff-wasm-nodejs';
import { ruffSettings } from './ruffSettings.ts';

export interface PythonSource {
  /** Shown in reports; relative to the repository root reads best. */
  path: string;
  source: string;
}

export interface PythonDiagnostic {
  path: string;
  /** 1-based line and column (UTF-16 columns, as editors on this side count). */
  line: number;
  column: number;
  /** Rule code such as `F401`, or `invalid-syntax`. */
  code: string;
  message: string;
}

let workspace: Workspace | undefined;

/**
 * Loads ruff with its wasm compiled by Liftoff only. Measured: once ruff runs hot, V8 tiers its
 * 10 MB module up in the background and the process then sits 2-5 s at exit waiting for that
 * compile; Liftoff alone lints our files in milliseconds. The flag is restored right after, so
 * other wasm in the process (MicroPython, mpy-cross) compiles as usual.
 */
function createWorkspace(): Workspace {
  v8.setFlagsFromString('--liftoff-only');
  try {
    const ruff = createRequire(import.meta.url)('@astral-sh/ruff-wasm-nodejs') as typeof import('@astral-sh/ruff-wasm-nodejs');
    return new ruff.Workspace(ruffSettings, ruff.PositionEncoding.Utf16);
  } finally {
    v8.setFlagsFromString('--no-liftoff-only');
  }
}

/** Lints every file with the project settings; diagnostics come back sorted by file, line, column. */
export function lintPythonSources(files: readonly PythonSource[]): PythonDiagnostic[] {
  workspace ??= createWorkspace();
  const ruff = workspace;
  const diagnostics = files.flatMap((file) =>
    (ruff.check(file.source) as RuffDiagnostic[]).map((diagnostic) => ({
      path: file.path,
      line: diagnostic.start_location.row,
      column: diagnostic.start_location.column,
      code: diagnostic.code ?? 'ruff',
      message: diagnostic.message,
    })),
  );
  return diagnostics.sort((a, b) => a.path.localeCompare(b.path) || a.line - b.line || a.column - b.column);
}

/** `file:line:col code message`, the shape editors and terminals turn into links. */
export function formatPythonDiagnostic(diagnostic: PythonDiagnostic): string {
  return `${diagnostic.path}:${diagnostic.line}:${diagnostic.column} ${diagnostic.code} ${diagnostic.message}`;
}

/** Every `.py` file under the given folders (missing folders are skipped), paths relative to `baseDir`. */
export function readPythonFiles(baseDir: string, folders: readonly string[]): PythonSource[] {
  const files: PythonSource[] = [];
  const visit = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== '__pycache__') visit(full);
      else if (entry.isFile() && entry.name.endsWith('.py')) {
        files.push({ path: path.relative(baseDir, full).split(path.sep).join('/'), source: readFileSync(full, 'utf8') });
      }
    }
  };
  for (const folder of folders) visit(path.join(baseDir, folder));
  return files;
}
