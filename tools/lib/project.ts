// A project for the library: a path (folder or file) or one the caller already loaded, and the
// payload schema the CLI would use for it (the project's telemetry.schema.json, else the lab's).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadProject, type LoadedProject } from '../config/index.ts';

export type ProjectSource = string | LoadedProject;

export interface ProjectLoadOptions {
  /** Resolves a relative project path; default process.cwd(). */
  cwd?: string;
  /** ${VAR} values; default process.env (plus the project's .env, as the CLI reads them). */
  env?: NodeJS.ProcessEnv;
}

export const PROJECT_SCHEMA_FILE = 'telemetry.schema.json';

export function openProject(source: ProjectSource, options: ProjectLoadOptions = {}): LoadedProject {
  if (typeof source !== 'string') return source;
  return loadProject({ project: source, cwd: options.cwd ?? process.cwd(), ...(options.env ? { env: options.env } : {}) });
}

/** The project's telemetry.schema.json when it has one; undefined means the built-in lab schema. */
export function projectSchemaPath(project: LoadedProject | null): string | undefined {
  const beside = project ? path.join(project.dir, PROJECT_SCHEMA_FILE) : null;
  return beside && existsSync(beside) ? beside : undefined;
}
