// Loads a project file: parse → ${VAR} → schema → defaults → cross-field checks.
// Every problem is collected (not just the first) and every reported value is redacted.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadBoards, type BoardRegistry } from '../boards/index.ts';
import { InputError, type InputIssue } from '../errors.ts';
import { packagePaths } from '../paths.ts';
import { ajvIssues, compileSchema, refusedPointers } from '../shared/ajv.ts';
import { pathSegments, pointerToPath } from '../shared/jsonPath.ts';
import { checkProject } from './checks.ts';
import { loadEnvironment, substituteVariables } from './env.ts';
import { readProjectFile } from './parse.ts';
import { resolveDevices } from './resolve.ts';
import { isSecretLookingPath, REDACTED, Redactor } from './secrets.ts';
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
function validateProject(document: unknown): { issues: InputIssue[]; refused: string[] } {
  projectSchema ??= compileSchema<ProjectFile>(JSON.parse(readFileSync(path.join(packagePaths.schema, 'project.schema.json'), 'utf8')) as object);
  if (projectSchema(document)) return { issues: [], refused: [] };
  return { issues: ajvIssues(projectSchema.errors, document), refused: refusedPointers(projectSchema.errors) };
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

  // One pass: variables, schema and cross-field problems together. A value the schema refused (or
  // an unset variable) is taken out before resolving, so the defaults stand in for it and the
  // checks still see every other field: one typo does not hide five other problems.
  const schema = validateProject(substituted.document);
  const unsetAt = new Set(substituted.issues.map((i) => i.path));
  // At an unset variable's path only what is said about its value is moot; a misspelt field name
  // (`pasword: ${WIFI_PASWORD}`) is a second problem, and reporting it only after the variable is
  // set would send the user round twice.
  const issues = [...substituted.issues, ...schema.issues.filter((i) => !unsetAt.has(i.path) || i.message.startsWith('unknown field'))];
  const refused = [...schema.refused.map(pointerToPath), ...unsetAt];
  const checkable = withoutPaths(substituted.document, refused) as ProjectFile;
  let devices: ResolvedDevice[] = [];
  try {
    const resolved = resolveDevices(checkable, boards, dir, new Set(refused));
    devices = resolved.devices;
    issues.push(...resolved.issues, ...checkProject(checkable, devices));
  } catch (error) {
    // Only a document the schema refused can surprise the resolver; those problems are reported.
    if (schema.issues.length === 0) throw error;
  }
  // A problem in `defaults` is found once per device that inherits it: report it once.
  const unique = new Map(issues.map((i) => [`${i.severity}|${i.path}|${i.message}`, i]));
  const reported = [...unique.values()].map((issue) => redactIssue({ ...issue, file }, redactor));
  const errors = reported.filter((i) => i.severity === 'error');
  if (errors.length > 0) {
    throw new InputError(`${path.relative(cwd, file) || file}: ${errors.length} problem${errors.length > 1 ? 's' : ''}`, reported);
  }
  return { file, dir, project: substituted.document as ProjectFile, devices, warnings: reported, redactor, boards };
}

function redactIssue(issue: InputIssue, redactor: Redactor): InputIssue {
  const value = issue.value === undefined ? undefined : isSecretLookingPath(issue.path) ? REDACTED : redactor.redactJson(issue.value);
  return {
    ...issue,
    message: redactor.redact(issue.message),
    ...(issue.hint === undefined ? {} : { hint: redactor.redact(issue.hint) }),
    ...(value === undefined ? {} : { value }),
  };
}

function collectSecretFields(value: unknown, at: string, redactor: Redactor): void {
  if (typeof value === 'string') {
    if (isSecretLookingPath(at)) redactor.add(value);
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

/** A copy of the document without the values at these paths (a list loses the whole list). */
function withoutPaths(document: unknown, paths: string[]): unknown {
  const copy = structuredClone(document);
  for (const p of paths) {
    const segments = pathSegments(p);
    const cut = segments.findIndex((s, i) => typeof s === 'number' && !(i === 1 && segments[0] === 'devices'));
    // devices[i] keeps its index (other issues name it); any other list is dropped whole.
    const target = cut > 0 ? segments.slice(0, cut) : segments;
    if (target.length === 0) continue;
    let parent: unknown = copy;
    for (const s of target.slice(0, -1)) parent = parent !== null && typeof parent === 'object' ? (parent as Record<string | number, unknown>)[s] : undefined;
    const last = target.at(-1)!;
    if (parent === null || typeof parent !== 'object') continue;
    if (Array.isArray(parent) && typeof last === 'number') parent[last] = null;
    else delete (parent as Record<string | number, unknown>)[last];
  }
  return copy;
}
