// The one place that turns data into MicroPython source text. Every value the renderer places into
// generated firmware goes through toPyLiteral, so quoting bugs (a student name with a quote, a
// Wi-Fi password with a backslash, a group name in Cyrillic) are fixed here once.
import { PyLiteralError } from './errors.ts';

export type PyValue = string | number | boolean | null | readonly PyValue[] | { readonly [key: string]: PyValue };

/**
 * Encodes a value as a MicroPython literal expression on a single line:
 * str → '…' (single quotes), integer → decimal, other finite number → float literal that reads
 * back to the same double, boolean → True/False, null → None, array → tuple, plain object → dict.
 * (Floats are exact when MicroPython parses the source; mpy-cross v6 parses floats a few ULP off.)
 *
 * Objects keep JavaScript's key order (insertion order, except that integer-like keys come first);
 * note that MicroPython dicts do not promise to iterate in that order anyway.
 * A JavaScript number has no int/float distinction: `21.0` is the same value as `21` and renders as `21`.
 */
export function toPyLiteral(value: PyValue): string {
  return encodeValue(value, '', new Set());
}

function encodeValue(value: unknown, path: string, open: Set<object>): string {
  if (value === null) return 'None';
  switch (typeof value) {
    case 'string':
      return encodeString(value, path);
    case 'number':
      return encodeNumber(value, path);
    case 'boolean':
      return value ? 'True' : 'False';
    case 'object':
      return encodeContainer(value, path, open);
    default:
      throw new PyLiteralError(path, `a ${typeof value} has no MicroPython literal`);
  }
}

function encodeContainer(value: object, path: string, open: Set<object>): string {
  if (open.has(value)) throw new PyLiteralError(path, 'the structure refers to itself');
  open.add(value);
  try {
    if (Array.isArray(value)) return encodeTuple(value, path, open);
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new PyLiteralError(path, `only plain objects become dicts, got ${value.constructor?.name ?? 'an object'}`);
    }
    const entries = Object.entries(value).map(
      ([key, item]) => `${encodeString(key, childPath(path, key))}: ${encodeValue(item, childPath(path, key), open)}`,
    );
    return `{${entries.join(', ')}}`;
  } finally {
    open.delete(value);
  }
}

function encodeTuple(items: readonly unknown[], path: string, open: Set<object>): string {
  const encoded = items.map((item, index) => encodeValue(item, `${path}[${index}]`, open));
  // A one-element tuple needs its trailing comma, or Python reads plain parentheses.
  if (encoded.length === 1) return `(${encoded[0]},)`;
  return `(${encoded.join(', ')})`;
}

function childPath(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function encodeNumber(value: number, path: string): string {
  if (!Number.isFinite(value)) throw new PyLiteralError(path, `${value} has no MicroPython literal`);
  if (Number.isInteger(value)) {
    // Past 2^53 the number in hand is probably not the integer the user typed.
    if (!Number.isSafeInteger(value)) throw new PyLiteralError(path, `${value} is beyond ±2^53 and may have lost precision`);
    return String(value === 0 ? 0 : value); // -0 has no int spelling; it becomes 0.
  }
  // JavaScript's shortest round-trip form ("21.5", "1e-7", "1.5e+300") is also valid Python, and
  // a non-integer always prints with a "." or an "e", so Python reads it as a float.
  return String(value);
}

/** Characters kept visible but escaped: line/paragraph separators and BOM are invisible and some editors and tools treat them as line breaks or strip them. */
const escapedAsUnicode = new Set([0x2028, 0x2029, 0xfeff]);

const namedEscapes: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function encodeString(text: string, path: string): string {
  let out = "'";
  // for…of walks code points, so a surrogate pair arrives whole and a lone surrogate arrives alone.
  for (const char of text) {
    const named = namedEscapes[char];
    if (named !== undefined) {
      out += named;
      continue;
    }
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
      out += `\\x${hex(code, 2)}`;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      throw new PyLiteralError(path, `lone surrogate U+${hex(code, 4).toUpperCase()} cannot be written as UTF-8`);
    } else if (escapedAsUnicode.has(code)) {
      out += `\\u${hex(code, 4)}`;
    } else {
      // Printable non-ASCII stays raw: MicroPython source is UTF-8 and `БАГ-18-01` stays readable.
      out += char;
    }
  }
  return out + "'";
}

function hex(code: number, width: number): string {
  return code.toString(16).padStart(width, '0');
}

const pythonKeywords = new Set([
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del',
  'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal',
  'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield',
]);

/** True for an ASCII Python identifier that is not a keyword (safe as a variable, attribute or module name). */
export function isPyIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !pythonKeywords.has(name);
}

/** Returns `name` if it is a safe Python identifier, otherwise throws PyLiteralError at `path`. */
export function assertPyIdentifier(name: string, path = ''): string {
  if (!isPyIdentifier(name)) {
    throw new PyLiteralError(path, `${JSON.stringify(name)} is not a Python identifier (ASCII letters, digits, _; not a keyword)`);
  }
  return name;
}
