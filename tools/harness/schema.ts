// The payload schema, compiled once. A private Ajv (not shared/ajv.ts's compileSchema): telemetry
// needs only the first error per payload (allErrors off keeps invalid floods cheap), and a user's
// schema written for other tools must not be refused for an unknown annotation keyword (strict off).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { InputError } from '../errors.ts';
import { packagePaths } from '../paths.ts';
import type { PayloadError } from './types.ts';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export const DEFAULT_SCHEMA_PATH = path.join(packagePaths.schema, 'telemetry.lab.schema.json');

export interface PayloadValidator {
  schemaPath: string;
  /** Null when the value is valid; otherwise the first error. */
  validate(value: unknown): PayloadError | null;
}

export function loadPayloadValidator(schemaPath: string = DEFAULT_SCHEMA_PATH): PayloadValidator {
  let schema: unknown;
  try {
    schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
  } catch (error) {
    throw new InputError(`cannot read the payload schema ${schemaPath}: ${(error as Error).message}`, [], {
      cause: error,
      hint: 'pass a JSON Schema file (draft-07, 2019-09 or 2020-12) with --schema',
    });
  }
  return { schemaPath, validate: payloadValidator(schema, schemaPath) };
}

/** Compiles an already-parsed schema (tests, embedded schemas). */
export function payloadValidator(schema: unknown, source = 'schema'): (value: unknown) => PayloadError | null {
  if (schema === null || typeof schema !== 'object') throw new InputError(`${source}: a JSON Schema must be an object`);
  const draft = String((schema as { $schema?: unknown }).$schema ?? '');
  const options = { allErrors: false, strict: false, allowUnionTypes: true, logger: false } as const;
  const ajv = draft.includes('2020-12') ? new Ajv2020(options) : draft.includes('2019-09') ? new Ajv2019(options) : new Ajv(options);
  addFormats(ajv as Ajv);
  let compiled: ValidateFunction;
  try {
    compiled = ajv.compile(schema as object);
  } catch (error) {
    throw new InputError(`${source}: not a usable JSON Schema: ${(error as Error).message}`, [], { cause: error });
  }
  return (value) => {
    if (compiled(value)) return null;
    const first = compiled.errors?.[0];
    return first ? schemaError(first) : { kind: 'schema', path: '', message: 'does not match the schema', reason: 'does not match the schema' };
  };
}

function schemaError(error: ErrorObject): PayloadError {
  const p = error.params as Record<string, unknown>;
  let pointer = error.instancePath;
  let message: string;
  switch (error.keyword) {
    case 'additionalProperties':
      pointer += `/${String(p.additionalProperty).replace(/~/g, '~0').replace(/\//g, '~1')}`;
      message = 'is not allowed (unknown field)';
      break;
    case 'required':
      message = `missing required field '${String(p.missingProperty)}'`;
      break;
    case 'enum':
      message = `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    default:
      message = error.message ?? error.keyword;
  }
  return { kind: 'schema', path: pointer, message, reason: pointer === '' ? message : `${pointer} ${message}` };
}
