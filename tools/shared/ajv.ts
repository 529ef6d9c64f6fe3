import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { InputIssue } from '../errors.ts';
import { didYouMean } from './didYouMean.ts';
import { pointerToPath, valueAtPointer } from './jsonPath.ts';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * Compiles a schema with the options every mpy-iot schema uses (all errors, formats, strict;
 * verbose, so an unknown field's error carries the fields allowed there, for "did you mean").
 */
export function compileSchema<T>(schema: object): ValidateFunction<T> {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
  addFormats(ajv);
  return ajv.compile<T>(schema);
}

/**
 * ajv errors → issues users can act on: one per location, the most specific message kept.
 * `oneOf`/`anyOf` summaries are dropped when a more precise error exists at or below the same path.
 */
export function ajvIssues(errors: ErrorObject[] | null | undefined, document: unknown): InputIssue[] {
  if (!errors) return [];
  const specific = errors.filter(
    (e) => !['oneOf', 'anyOf', 'if'].includes(e.keyword) || !errors.some((o) => o !== e && o.instancePath.startsWith(e.instancePath) && !['oneOf', 'anyOf', 'if'].includes(o.keyword)),
  );
  const seen = new Set<string>();
  const issues: InputIssue[] = [];
  for (const error of specific) {
    const pointer = error.keyword === 'additionalProperties'
      ? `${error.instancePath}/${String((error.params as { additionalProperty: string }).additionalProperty)}`
      : error.instancePath;
    const key = `${pointer}|${error.keyword}|${error.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const value = valueAtPointer(document, pointer);
    const hint = quoteHint(error, value) ?? knownFieldsHint(error);
    issues.push({
      path: pointerToPath(pointer),
      message: describe(error),
      value,
      ...(hint ? { hint } : {}),
      severity: 'error',
    });
  }
  return issues;
}

function describe(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(p.additionalProperty);
      const guess = didYouMean(field, allowedFields(error));
      return `unknown field '${field}'${guess ? ` — did you mean '${guess}'?` : ''}`;
    }
    case 'required':
      return `missing required field '${String(p.missingProperty)}'`;
    case 'enum': {
      const allowed = p.allowedValues as unknown[];
      const guess = typeof error.data === 'string' ? didYouMean(error.data, allowed.filter((v): v is string => typeof v === 'string')) : undefined;
      return `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}${guess ? ` — did you mean ${JSON.stringify(guess)}?` : ''}`;
    }
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'type':
      return `must be ${String(p.type)}`;
    case 'pattern':
      // The schemas' "no control characters" pattern: a newline or NUL in a name breaks the payload and the table.
      if (String(p.pattern).startsWith('^[^\\u0000-\\u001f')) return 'must not contain control characters (newline, tab, NUL…)';
      return error.message ?? 'does not match the expected form';
    default:
      return error.message ?? error.keyword;
  }
}

/**
 * A number or true/false where text is expected is nearly always YAML reading `group: 2018` or
 * `ssid: yes` as a number or a boolean: the fix is quotes.
 */
function quoteHint(error: ErrorObject, value: unknown): string | undefined {
  const expected = String((error.params as { type?: unknown }).type ?? '');
  if (error.keyword !== 'type' || !expected.split(',').includes('string')) return undefined;
  if (typeof value !== 'number' && typeof value !== 'boolean') return undefined;
  return `write it in quotes, "${String(value)}" (YAML reads an unquoted ${String(value)} as a ${typeof value === 'number' ? 'number' : 'true/false'})`;
}

/** The fields an object with `additionalProperties: false` allows (from the verbose error's schema). */
function allowedFields(error: ErrorObject): string[] {
  const properties = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
  return Object.keys(properties).filter((name) => name !== '$schema' && properties[name] !== true);
}

function knownFieldsHint(error: ErrorObject): string | undefined {
  if (error.keyword !== 'additionalProperties') return undefined;
  const fields = allowedFields(error);
  return fields.length > 0 ? `fields allowed here: ${fields.join(', ')}` : undefined;
}

/**
 * Where the document holds a value the schema refused (a missing field is not a value there): the
 * cross-field checks run without these values, with the defaults standing in, so one typo does not
 * hide the other problems.
 */
export function refusedPointers(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? [])
    .filter((e) => !['required', 'oneOf', 'anyOf', 'if', 'minItems'].includes(e.keyword))
    .map((e) => (e.keyword === 'additionalProperties' ? `${e.instancePath}/${String((e.params as { additionalProperty: string }).additionalProperty)}` : e.instancePath));
}
