// Loads a project file: parse → ${VAR} → schema → defaults → cross-field checks.
// Every problem is collected (not just the first) and every reported value is redacted.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadBoards, type BoardRegistry } from '../boards/index.ts';
import { InputError, type InputIssue } from '../errors.ts';
import { packagePaths } from '../paths.ts';
import { ajvIssues, compileSchema } from '../shared/ajv.ts';
import { checkProject } from './checks.ts';
import { loadEnvironment, substituteVariables } from './env.ts';
import { readProjectFile } from './parse.ts';
import { resolveDevices } from './resolve.ts';
import { isSecretPath, REDACTED, Redactor } from './secrets.ts';
import type { ProjectFile, ResolvedDevice } from './types.ts';

export type { ProjectFile, ResolvedDevice } from './types.ts';
export { Redactor, REDACTED } from './secrets.ts';

export const PROJECT_FILE_NAMES = ['mpy-iot.json', 'mpy-iot.yaml', 'mpy-iot.yml'] as const;

export interface LoadedProject {
  file: string;
  dir: string;
  project: ProjectFile;
  devices: ResolvedDevice[];
  /** Non-fatal findings (errors throw). */
  warnings: InputIssue[];
  /** Knows every secret of this project; pass all output through it. */
  redactor: Redactor;
  boards: BoardRegistry;
}

export interface LoadOptions {
  /** Project file, or a folder holding one; default: the current folder. */
  project?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  boards?: BoardRegistry;
}

export function findProjectFile(target: string): string {
  if (existsSync(target) && !isDirectory(target)) return target;
  const dir = target;
  for (const name of PROJECT_FILE_NAMES) {
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  throw new InputError(`no project file in ${dir} (looked for ${PROJECT_FILE_NAMES.join(', ')})`, [], {
    hint: 'run `mpy-iot init` to create one, or pass --project PATH',
  });
}

let projectSchema: ReturnType<typeof compileSchema<ProjectFile>> | undefined;
function validateProject(document: unknown): InputIssue[] {
  projectSchema ??= compileSchema<ProjectFile>(JSON.parse(readFileSync(path.join(packagePaths.schema, 'project.schema.json'), 'utf8')) as object);
  return projectSchema(document) ? [] : ajvIssues(projectSchema.errors, document);
}

export function loadProject(options: LoadOptions = {}): LoadedProject {
  const cwd = options.cwd ?? process.cwd();
  const file = path.resolve(findProjectFile(path.resolve(cwd, options.project ?? '.')));
  const dir = path.dirname(file);
  const boards = options.boards ?? loadBoards();
  const redactor = new Redactor();

  const raw = readProjectFile(file);
  const env = loadEnvironment(dir, options.env ?? process.env);
  const substituted = substituteVariables(raw, env, redactor);
  collectSecretFields(substituted.document, '', redactor);

  const issues = [...substituted.issues, ...validateProject(substituted.document)];
  let devices: ResolvedDevice[] = [];
  if (issues.length === 0) {
    const project = substituted.document as ProjectFile;
    const resolved = resolveDevices(project, boards, dir);
    devices = resolved.devices;
    issues.push(...resolved.issues);
    issues.push(...checkProject(project, devices));
  }

  const reported = issues.map((issue) => redactIssue({ ...issue, file }, redactor));
  const errors = reported.filter((i) => i.severity === 'error');
  if (errors.length > 0) {
    throw new InputError(`${path.relative(cwd, file) || file}: ${errors.length} problem${errors.length > 1 ? 's' : ''}`, reported);
  }
  return { file, dir, project: substituted.document as ProjectFile, devices, warnings: reported, redactor, boards };
}

function redactIssue(issue: InputIssue, redactor: Redactor): InputIssue {
  const value = issue.value === undefined ? undefined : isSecretPath(issue.path) ? REDACTED : redactor.redactJson(issue.value);
  return {
    ...issue,
    message: redactor.redact(issue.message),
    ...(issue.hint === undefined ? {} : { hint: redactor.redact(issue.hint) }),
    ...(value === undefined ? {} : { value }),
  };
}

function collectSecretFields(value: unknown, at: string, redactor: Redactor): void {
  if (typeof value === 'string') {
    if (isSecretPath(at)) redactor.add(value);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => collectSecretFields(item, `${at}[${i}]`, redactor));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) collectSecretFields(item, at === '' ? key : `${at}.${key}`, redactor);
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
