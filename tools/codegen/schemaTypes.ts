// JSON Schema → TypeScript declarations as ts-morph structures: an interface per object schema
// (required → plain, others optional, descriptions and constraints as TSDoc), unions for enums,
// `type` lists, anyOf/oneOf, intersections for allOf, `T[]` and tuples for arrays, named types for
// $ref'd definitions. Declarations come out in a fixed order (first use), so output is byte-stable.
import { StructureKind, type InterfaceDeclarationStructure, type JSDocStructure, type JSDocTagStructure, type OptionalKind, type PropertySignatureStructure, type TypeAliasDeclarationStructure } from 'ts-morph';
import { InputError } from '../errors.ts';

export type JsonSchema = boolean | { [keyword: string]: unknown };
type SchemaObject = { [keyword: string]: unknown };
export type Declaration = InterfaceDeclarationStructure | TypeAliasDeclarationStructure;

/** Constraint keywords shown as TSDoc tags (the type system cannot say them). */
const DOC_TAGS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'pattern', 'format', 'minItems', 'maxItems', 'uniqueItems', 'default'] as const;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export function pascalCase(text: string): string {
  const words = text.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const joined = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  return /^[A-Za-z_]/.test(joined) ? joined : `T${joined}`;
}

export function propertyName(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

/** TSDoc for a schema: its title/description, then constraint tags. Undefined when there is nothing to say. */
export function schemaDocs(schema: JsonSchema, extraTags: OptionalKind<JSDocTagStructure>[] = []): OptionalKind<JSDocStructure>[] | undefined {
  const s = typeof schema === 'object' ? schema : {};
  const text = [s.title, s.description].filter((t): t is string => typeof t === 'string' && t.trim() !== '');
  const description = text.map((t) => t.replace(/\*\//g, '*\\/')).join('\n\n');
  const tags: OptionalKind<JSDocTagStructure>[] = [...extraTags];
  for (const keyword of DOC_TAGS) {
    if (s[keyword] !== undefined) tags.push({ tagName: keyword, text: (typeof s[keyword] === 'string' ? String(s[keyword]) : JSON.stringify(s[keyword])).replace(/\*\//g, '*\\/') });
  }
  if (s.type === 'integer') tags.unshift({ tagName: 'integer' });
  if (description === '' && tags.length === 0) return undefined;
  return [{ ...(description ? { description } : {}), ...(tags.length ? { tags } : {}) }];
}

export class SchemaTypes {
  /** Every declaration made, in the order they were first needed. */
  readonly declarations: Declaration[] = [];
  private readonly taken = new Set<string>();
  private readonly refNames = new Map<string, string>();

  /** `root` resolves `#/…` references; `source` names the schema in errors. */
  constructor(private readonly root: JsonSchema, private readonly source: string, reserved: string[] = []) {
    for (const name of reserved) this.taken.add(name);
  }

  /** Declares `name` (an interface for an object with properties, else a type alias) and returns the name used. */
  declare(name: string, schema: JsonSchema, exported = true): string {
    const unique = this.claim(name);
    this.declareAs(unique, schema, exported);
    return unique;
  }

  /** The TypeScript type of a schema; nested object schemas become interfaces named after `hint`. */
  typeOf(schema: JsonSchema, hint: string): string {
    if (schema === true) return 'unknown';
    if (schema === false) return 'never';
    if (typeof schema.$ref === 'string') return this.reference(schema.$ref);
    if ('const' in schema) return literal(schema.const);
    if (Array.isArray(schema.enum)) return union(schema.enum.map(literal));
    for (const keyword of ['anyOf', 'oneOf'] as const) {
      const options = schema[keyword];
      if (Array.isArray(options)) return union(options.map((o, i) => this.typeOf(o as JsonSchema, `${hint}Option${i + 1}`)));
    }
    if (Array.isArray(schema.allOf)) {
      // A part that only constrains (`{"minLength": 1}`) is `unknown`: it adds nothing to the type.
      const parts = schema.allOf.map((o, i) => this.typeOf(o as JsonSchema, `${hint}Part${i + 1}`)).filter((t) => t !== 'unknown');
      return parts.length === 0 ? 'unknown' : parts.map(parenthesize).join(' & ');
    }
    const types = Array.isArray(schema.type) ? schema.type : typeof schema.type === 'string' ? [schema.type] : inferredTypes(schema);
    if (types.length === 0) return 'unknown';
    return union(types.map((t) => this.primitive(String(t), schema, hint)));
  }

  private primitive(type: string, schema: SchemaObject, hint: string): string {
    switch (type) {
      case 'string': return 'string';
      case 'number':
      case 'integer': return 'number';
      case 'boolean': return 'boolean';
      case 'null': return 'null';
      case 'array': return this.arrayType(schema, hint);
      case 'object': return this.objectType(schema, hint);
      default: throw new InputError(`${this.source}: unknown JSON Schema type '${type}'`, [], { hint: 'use string, number, integer, boolean, null, array or object' });
    }
  }

  private arrayType(schema: SchemaObject, hint: string): string {
    const tuple = Array.isArray(schema.prefixItems) ? schema.prefixItems : Array.isArray(schema.items) ? schema.items : null;
    if (tuple) return `[${tuple.map((item, i) => this.typeOf(item as JsonSchema, `${hint}Item${i + 1}`)).join(', ')}]`;
    const items = schema.items === undefined ? true : (schema.items as JsonSchema);
    return `${parenthesize(this.typeOf(items, `${hint}Item`))}[]`;
  }

  private objectType(schema: SchemaObject, hint: string): string {
    const properties = schema.properties;
    if (properties && typeof properties === 'object' && Object.keys(properties).length > 0) return this.declare(hint, { ...schema, type: 'object' });
    const extra = schema.additionalProperties;
    return extra === undefined || extra === true ? 'Record<string, unknown>' : extra === false ? 'Record<string, never>' : `Record<string, ${this.typeOf(extra as JsonSchema, `${hint}Value`)}>`;
  }

  private declareAs(name: string, schema: JsonSchema, exported: boolean): void {
    const docs = schemaDocs(schema);
    const s = typeof schema === 'object' ? schema : {};
    const properties = s.properties as Record<string, JsonSchema> | undefined;
    const isInterface = properties !== undefined && Object.keys(properties).length > 0 && (s.type === 'object' || s.type === undefined) && !s.anyOf && !s.oneOf && !s.allOf && !s.$ref;
    if (!isInterface) {
      // Reserve the slot first: a recursive schema refers to this name while its type is worked out.
      const alias: TypeAliasDeclarationStructure = { kind: StructureKind.TypeAlias, name, isExported: exported, type: 'unknown', ...(docs ? { docs } : {}) };
      this.declarations.push(alias);
      alias.type = this.typeOf(schema, name);
      return;
    }
    const declaration: InterfaceDeclarationStructure = { kind: StructureKind.Interface, name, isExported: exported, properties: [], ...(docs ? { docs } : {}) };
    this.declarations.push(declaration);
    const required = new Set(Array.isArray(s.required) ? s.required.map(String) : []);
    const props: OptionalKind<PropertySignatureStructure>[] = [];
    for (const [key, value] of Object.entries(properties)) {
      const propDocs = schemaDocs(value);
      props.push({ name: propertyName(key), type: this.typeOf(value, `${name}${pascalCase(key)}`), hasQuestionToken: !required.has(key), ...(propDocs ? { docs: propDocs } : {}) });
    }
    const extra = s.additionalProperties;
    if (extra !== undefined && extra !== false) {
      // An index signature must admit every declared property's type too.
      const valueType = union([extra === true ? 'unknown' : this.typeOf(extra as JsonSchema, `${name}Value`), ...props.map((p) => String(p.type)), ...(props.some((p) => p.hasQuestionToken) ? ['undefined'] : [])]);
      declaration.indexSignatures = [{ keyName: 'key', keyType: 'string', returnType: valueType.includes('unknown') ? 'unknown' : valueType }];
    }
    declaration.properties = props;
  }

  private reference(ref: string): string {
    const known = this.refNames.get(ref);
    if (known) return known;
    if (!ref.startsWith('#')) throw new InputError(`${this.source}: $ref '${ref}' points outside this schema`, [], { hint: 'codegen reads one schema file: move the definition under $defs (or definitions) and refer to it as #/$defs/Name' });
    if (ref === '#') {
      this.refNames.set(ref, this.declarations[0]?.name ?? 'unknown');
      return this.refNames.get(ref)!;
    }
    const target = ref.slice(2).split('/').map((p) => decodeURIComponent(p).replace(/~1/g, '/').replace(/~0/g, '~')).reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as SchemaObject)[key] : undefined), this.root);
    if (target === undefined) throw new InputError(`${this.source}: $ref '${ref}' points at nothing`, [], { hint: 'check the path under $defs / definitions' });
    const name = this.claim(pascalCase(ref.split('/').pop()!));
    this.refNames.set(ref, name);
    this.declareAs(name, target as JsonSchema, true);
    return name;
  }

  private claim(name: string): string {
    let unique = name;
    for (let n = 2; this.taken.has(unique); n++) unique = `${name}${n}`;
    this.taken.add(unique);
    return unique;
  }
}

function inferredTypes(schema: SchemaObject): string[] {
  if (schema.properties || schema.additionalProperties !== undefined || schema.required) return ['object'];
  if (schema.items || schema.prefixItems) return ['array'];
  return [];
}

function literal(value: unknown): string {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value) ? JSON.stringify(value) : 'unknown';
}

function union(types: string[]): string {
  const unique = [...new Set(types)];
  if (unique.includes('unknown')) return 'unknown';
  return unique.length === 0 ? 'never' : unique.join(' | ');
}

/** Wraps a union or intersection before `[]` or `&`; a `|` nested in <…>, […], (…) or a string literal needs nothing. */
function parenthesize(type: string): string {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < type.length; i++) {
    const ch = type[i]!;
    // String literals come from JSON.stringify: skip them, escapes included.
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if ('<[({'.includes(ch)) depth++;
    else if ('>])}'.includes(ch)) depth--;
    else if (depth === 0 && (ch === '|' || ch === '&')) return `(${type})`;
  }
  return type;
}
