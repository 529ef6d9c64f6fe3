// codegen for a loaded project: which schema (the project's telemetry.schema.json, else the lab's,
// or --schema), where the file goes, and writing it atomically only when its bytes change.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadedProject } from '../config/index.ts';
import { InputError } from '../errors.ts';
import { DEFAULT_SCHEMA_PATH } from '../harness/schema.ts';
import { packagePaths } from '../paths.ts';
import { generateFleetModule } from './generate.ts';
import type { JsonSchema } from './schemaTypes.ts';

export { generateFleetModule, PAYLOAD_TYPE, type CodegenSources } from './generate.ts';
export { FIRMWARE_COMMANDS, type CommandSpec } from './commandSet.ts';
export { SchemaTypes, type JsonSchema } from './schemaTypes.ts';

export const DEFAULT_OUT = 'src/fleet.gen.ts';

export interface CodegenOptions {
  /** Output file, relative to the project folder; default src/fleet.gen.ts. */
  out?: string;
  /** Payload schema file; default the project's telemetry.schema.json, else the lab schema. */
  schema?: string;
}

export interface CodegenResult {
  outFile: string;
  schemaPath: string;
  text: string;
  /** The file on disk already held exactly these bytes. */
  unchanged: boolean;
}

export function codegenProject(project: LoadedProject, options: CodegenOptions = {}): CodegenResult {
  const outFile = path.resolve(project.dir, options.out ?? DEFAULT_OUT);
  if (!/\.(ts|mts|cts)$/.test(outFile)) throw new InputError(`--out ${options.out}: the generated module is TypeScript`, [], { hint: 'name it like src/fleet.gen.ts' });
  const beside = path.join(project.dir, 'telemetry.schema.json');
  const schemaPath = options.schema ? path.resolve(project.dir, options.schema) : existsSync(beside) ? beside : DEFAULT_SCHEMA_PATH;
  let schema: JsonSchema;
  try {
    schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as JsonSchema;
  } catch (error) {
    throw new InputError(`cannot read the payload schema ${schemaPath}: ${(error as Error).message}`, [], { cause: error, hint: 'pass a JSON Schema file with --schema' });
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) throw new InputError(`${schemaPath}: a JSON Schema must be an object`);
  const relative = (file: string): string => path.relative(path.dirname(outFile), file).split(path.sep).join('/');
  const { version } = JSON.parse(readFileSync(packagePaths.packageJson, 'utf8')) as { version: string };
  const text = generateFleetModule(project, schema, {
    project: relative(project.file),
    schema: schemaPath === DEFAULT_SCHEMA_PATH ? "mpy-iot's lab schema" : relative(schemaPath),
    toolVersion: version,
  });
  const unchanged = existsSync(outFile) && readFileSync(outFile, 'utf8') === text;
  return { outFile, schemaPath, text, unchanged };
}

/** Writes through a temporary file and a rename, so a reader never sees half a module. */
export function writeGenerated(result: CodegenResult): void {
  if (result.unchanged) return;
  mkdirSync(path.dirname(result.outFile), { recursive: true });
  const temp = `${result.outFile}.${process.pid}.tmp`;
  writeFileSync(temp, result.text);
  renameSync(temp, result.outFile);
}
