// Reads a project file (JSON or YAML). Parse errors give line and column but never echo the
// source line: it may hold a password.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { InputError } from '../errors.ts';

export function parseProjectText(text: string, file: string): unknown {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') {
    try {
      return JSON.parse(text);
    } catch (cause) {
      const where = jsonErrorPosition(text, (cause as Error).message) || yamlErrorPosition(text);
      throw new InputError(`${file}${where}: not valid JSON`, [], {
        cause,
        hint: 'check for a missing comma or quote, or a trailing comma, near that position',
      });
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const pos = first.linePos?.[0];
    const where = pos ? `:${pos.line}:${pos.col}` : '';
    throw new InputError(`${file}${where}: not valid YAML (${first.code})`, [], {
      cause: first,
      hint: 'check indentation (spaces, not tabs) and quote values containing ": " or "#"',
    });
  }
  return doc.toJS();
}

export function readProjectFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new InputError(`cannot read project file ${file}`, [], { cause, hint: 'run `mpy-iot init` to create one, or pass --project PATH' });
  }
  return parseProjectText(text.replace(/^\uFEFF/, ''), file);
}

/** JSON is YAML 1.2 flow syntax, so the YAML parser can locate what Node 20's JSON errors leave unsaid. */
function yamlErrorPosition(text: string): string {
  const pos = parseDocument(text, { prettyErrors: true }).errors[0]?.linePos?.[0];
  return pos ? `:${pos.line}:${pos.col}` : '';
}

/** Node's JSON errors say "at position N" (or line/column on newer versions); report line:col. */
function jsonErrorPosition(text: string, message: string): string {
  const lineCol = /line (\d+) column (\d+)/.exec(message);
  if (lineCol) return `:${lineCol[1]}:${lineCol[2]}`;
  const position = /position (\d+)/.exec(message);
  if (!position) return '';
  const before = text.slice(0, Number(position[1]));
  const line = before.split('\n').length;
  const col = before.length - before.lastIndexOf('\n');
  return `:${line}:${col}`;
}
