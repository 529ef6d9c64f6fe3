// The broker's users file: one `username:password` per line, `#` starts a comment line.
import { InputError, type InputIssue } from '../errors.ts';
import type { UserCredential } from './types.ts';

/**
 * Splits at the first `:` so passwords may contain colons; usernames may not. Surrounding
 * whitespace is ignored, and `#` only starts a comment at the beginning of a line because a
 * password may well contain one. Every bad line is reported (not just the first), by number.
 */
export function parseUsersFile(text: string, file?: string): UserCredential[] {
  const users: UserCredential[] = [];
  const issues: InputIssue[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const number = index + 1;
    if (line === '' || line.startsWith('#')) return;
    const issue = (message: string, hint?: string): void => {
      issues.push({ path: `line ${number}`, message, severity: 'error', ...(hint ? { hint } : {}), ...(file ? { file } : {}) });
    };
    const colon = line.indexOf(':');
    if (colon < 0) return issue('expected "username:password"', 'write one user per line as username:password');
    const username = line.slice(0, colon).trim();
    const password = line.slice(colon + 1).trim();
    if (username === '') return issue('empty username before ":"');
    if (password === '') return issue(`empty password for user '${username}'`);
    const previous = seen.get(username);
    if (previous !== undefined) return issue(`user '${username}' is already defined on line ${previous}`);
    seen.set(username, number);
    users.push({ username, password });
  });
  if (issues.length > 0) {
    const first = issues[0];
    const where = file ? `${file}: ` : '';
    throw new InputError(`${where}bad users file: ${first?.path}: ${first?.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`, issues);
  }
  return users;
}
