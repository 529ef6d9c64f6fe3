// Registry of board profiles: one JSON file per board in boards/, validated when loaded.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError, type InputIssue } from '../errors.ts';
import { packagePaths } from '../paths.ts';
import { ajvIssues, compileSchema } from '../shared/ajv.ts';
import { didYouMean } from '../shared/didYouMean.ts';
import type { BoardProfile } from './types.ts';

export type { BoardProfile } from './types.ts';

export interface BoardRegistry {
  readonly boards: readonly BoardProfile[];
  /** Finds a board by id or alias (case-insensitive); undefined when unknown. */
  find(idOrAlias: string): BoardProfile | undefined;
  /** Every id and alias, for suggestions and schema enums. */
  readonly names: readonly string[];
  /** `esp32` for `esp23`; undefined when nothing is close. */
  suggest(input: string): string | undefined;
}

/** Loads and validates every `*.json` profile (except the schema) in `dir`. Throws InputError naming the file. */
export function loadBoards(dir: string = packagePaths.boards): BoardRegistry {
  const validate = compileSchema<BoardProfile>(JSON.parse(readFileSync(path.join(dir, 'board.schema.json'), 'utf8')) as object);
  const boards: BoardProfile[] = [];
  const issues: InputIssue[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'board.schema.json').sort()) {
    const filePath = path.join(dir, file);
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(filePath, 'utf8'));
    } catch (cause) {
      issues.push({ file: filePath, path: '', message: `not valid JSON: ${(cause as Error).message}`, severity: 'error' });
      continue;
    }
    if (!validate(data)) {
      for (const issue of ajvIssues(validate.errors, data)) issues.push({ ...issue, file: filePath });
      continue;
    }
    if (data.id !== path.basename(file, '.json')) {
      issues.push({ file: filePath, path: 'id', value: data.id, message: `must match the file name '${path.basename(file, '.json')}'`, severity: 'error' });
      continue;
    }
    boards.push(data);
  }
  const byName = new Map<string, BoardProfile>();
  for (const board of boards) {
    for (const name of [board.id, ...board.aliases]) {
      const clash = byName.get(name);
      if (clash) issues.push({ file: path.join(dir, `${board.id}.json`), path: 'aliases', value: name, message: `'${name}' is already used by board '${clash.id}'`, severity: 'error' });
      byName.set(name, board);
    }
  }
  if (issues.length > 0) throw new InputError(`invalid board profile${issues.length > 1 ? 's' : ''} in ${dir}`, issues);
  const names = [...byName.keys()];
  return {
    boards,
    names,
    find: (idOrAlias) => byName.get(idOrAlias.toLowerCase()),
    suggest: (input) => {
      const name = didYouMean(input, names);
      return name === undefined ? undefined : byName.get(name)?.id;
    },
  };
}

/** Parses the profile's `0x1000`-style offset. */
export function imageOffset(board: BoardProfile): number {
  return Number.parseInt(board.flash.imageOffset, 16);
}
