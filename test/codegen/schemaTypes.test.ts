// JSON Schema → TypeScript type text, the cases a generated payload interface leans on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../tools/errors.ts';
import { SchemaTypes, type JsonSchema } from '../../tools/codegen/schemaTypes.ts';

const typeOf = (schema: JsonSchema): string => new SchemaTypes(true, 'schema').typeOf(schema, 'T');

test('arrays of unions, maps and literals keep their parentheses where TypeScript needs them', () => {
  assert.equal(typeOf({ type: 'array', items: { type: ['string', 'null'] } }), '(string | null)[]');
  assert.equal(typeOf({ type: 'array', items: { anyOf: [{ type: 'object', additionalProperties: { type: 'string' } }, { type: 'object', additionalProperties: { type: 'number' } }] } }), '(Record<string, string> | Record<string, number>)[]');
  assert.equal(typeOf({ type: 'array', items: { type: 'object', additionalProperties: { type: ['string', 'null'] } } }), 'Record<string, string | null>[]');
  assert.equal(typeOf({ type: 'array', items: { enum: ['<', 'x"|', 'y'] } }), '("<" | "x\\"|" | "y")[]');
  assert.equal(typeOf({ type: ['array', 'null'], items: { type: 'integer' } }), 'number[] | null');
  assert.equal(typeOf({ type: 'array', prefixItems: [{ type: 'number' }, { const: 'm' }] }), '[number, "m"]');
  assert.equal(typeOf({ allOf: [{ type: 'string' }, { minLength: 1 }] }), 'string');
  assert.equal(typeOf({ allOf: [{ type: ['string', 'null'] }, { type: 'string' }] }), '(string | null) & string');
  assert.equal(typeOf({}), 'unknown');
  assert.equal(typeOf({ enum: ['a', 1, null, true] }), '"a" | 1 | null | true');
});

test('an object schema becomes an interface: required plain, the rest optional, odd names quoted, extra keys as an index signature', () => {
  const types = new SchemaTypes(true, 'schema');
  types.declare('Payload', { type: 'object', required: ['a'], properties: { a: { type: 'number' }, 'b-c': { type: 'string' } }, additionalProperties: { type: 'boolean' } });
  const [payload] = types.declarations;
  assert.equal(payload?.name, 'Payload');
  assert.deepEqual((payload as { properties: { name: string; type: string; hasQuestionToken: boolean }[] }).properties.map((p) => [p.name, p.type, p.hasQuestionToken]), [['a', 'number', false], ['"b-c"', 'string', true]]);
  assert.deepEqual((payload as { indexSignatures: { returnType: string }[] }).indexSignatures[0]?.returnType, 'boolean | number | string | undefined');
});

test('refusals name the schema and say what to do', () => {
  assert.throws(() => typeOf({ type: 'decimal' }), (e: Error) => e instanceof InputError && /schema: unknown JSON Schema type 'decimal'/.test(e.message));
  assert.throws(() => typeOf({ $ref: 'other.json#/x' }), (e: Error) => e instanceof InputError && /points outside this schema/.test(e.message) && /\$defs/.test((e as InputError).hint ?? ''));
  assert.throws(() => new SchemaTypes({ $defs: {} }, 'schema').typeOf({ $ref: '#/$defs/missing' }, 'T'), /points at nothing/);
});
