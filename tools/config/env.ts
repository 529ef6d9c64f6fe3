// ${VAR} substitution from the environment and a .env file next to the project file.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import type { InputIssue } from '../errors.ts';
import { didYouMean } from '../shared/didYouMean.ts';
import { joinPath } from '../shared/jsonPath.ts';
import { isSecretVariable, type Redactor } from './secrets.ts';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface Environment {
  /** Variables by name: the process environment wins over .env (the usual dotenv rule). */
  values: Record<string, string | undefined>;
  /** The .env file that was read, if any. */
  dotenvFile: string | null;
  /** Names the project's .env and .env.example define: what a misspelt ${VAR} most likely meant (read when first asked). */
  projectNames(): string[];
}

export function loadEnvironment(projectDir: string, processEnv: NodeJS.ProcessEnv = process.env): Environment {
  const file = path.join(projectDir, '.env');
  const dotenvFile = existsSync(file) ? file : null;
  const fromFile = dotenvFile ? dotenv.parse(readFileSync(dotenvFile)) : {};
  let names: string[] | undefined;
  // .env.example only helps explain an unset variable: every command would read it for nothing.
  const projectNames = (): string[] => {
    const example = path.join(projectDir, '.env.example');
    names ??= [...new Set([...Object.keys(fromFile), ...Object.keys(existsSync(example) ? dotenv.parse(readFileSync(example)) : {})])];
    return names;
  };
  return { values: { ...fromFile, ...processEnv }, dotenvFile, projectNames };
}

/**
 * Replaces `${VAR}` in every string of the document. An unset variable is an issue naming it and
 * the field; substituted secret-looking values are registered with the redactor.
 */
export function substituteVariables(document: unknown, env: Environment, redactor: Redactor): { document: unknown; issues: InputIssue[] } {
  const issues: InputIssue[] = [];
  const walk = (value: unknown, segments: (string | number)[]): unknown => {
    if (typeof value === 'string') {
      return value.replace(REFERENCE, (whole, name: string) => {
        const resolved = env.values[name];
        if (resolved === undefined) {
          const guess = didYouMean(name, env.projectNames()) ?? didYouMean(name, Object.keys(env.values).filter((n) => /^[A-Z][A-Z0-9_]*$/.test(n)));
          issues.push({
            path: joinPath(...segments),
            message: `environment variable ${name} is not set${guess ? ` — did you mean \${${guess}}?` : ''}`,
            hint: env.dotenvFile
              ? `add ${name}=… to ${env.dotenvFile} or export it in the shell`
              : `create a .env file next to the project file with ${name}=… (see .env.example) or export it in the shell`,
            severity: 'error',
          });
          return whole;
        }
        if (isSecretVariable(name)) redactor.add(resolved);
        return resolved;
      });
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...segments, i]));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, [...segments, key])]));
    }
    return value;
  };
  return { document: walk(document, []), issues };
}
