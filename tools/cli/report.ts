// Formats errors and issues for people (and --json documents for machines).
import path from 'node:path';
import { MpyIotError, type InputIssue, InputError } from '../errors.ts';
import { isPlainObject, type Output } from './io.ts';

export function formatIssue(issue: InputIssue, out: Output, cwd: string): string[] {
  const c = out.color;
  const mark = issue.severity === 'error' ? c.red('✖') : c.yellow('⚠');
  const where = [issue.file && issue.path === '' ? path.relative(cwd, issue.file) || issue.file : '', issue.path].filter(Boolean).join(' ');
  const lines = [`  ${mark} ${where ? c.bold(where) + ': ' : ''}${issue.message}`];
  if (issue.value !== undefined) lines.push(`      ${c.dim('value:')} ${JSON.stringify(issue.value)}`);
  if (issue.hint) lines.push(`      ${c.dim('fix:')}   ${issue.hint}`);
  return lines;
}

export function issueJson(issue: InputIssue): Record<string, unknown> {
  return { severity: issue.severity, path: issue.path, message: issue.message, ...(issue.value === undefined ? {} : { value: issue.value }), ...(issue.hint ? { hint: issue.hint } : {}), ...(issue.file ? { file: issue.file } : {}) };
}

/** Prints a failure and returns its exit code (2 for input, 3 for devices, 1 for verification, 70 for bugs). */
export function reportError(error: unknown, out: Output, cwd: string): number {
  if (error instanceof MpyIotError) {
    const issues = error instanceof InputError ? error.issues : [];
    if (out.json) {
      failureDocument(out, { type: error.name, message: error.message, exitCode: error.exitCode, ...(error.hint ? { hint: error.hint } : {}), issues: issues.map(issueJson) });
    } else {
      out.note(`${out.color.red('mpy-iot:')} ${error.message}`);
      for (const issue of issues) for (const line of formatIssue(issue, out, cwd)) out.note(line);
      if (error.hint) out.note(`  ${out.color.dim('fix:')} ${error.hint}`);
      if (out.verbose && error.cause) out.note(out.color.dim(`  cause: ${String((error.cause as Error).stack ?? error.cause)}`));
    }
    return error.exitCode;
  }
  const message = error instanceof Error ? (out.verbose ? error.stack ?? error.message : error.message) : String(error);
  if (out.json) failureDocument(out, { type: 'InternalError', message, exitCode: 70 });
  else out.note(`${out.color.red('mpy-iot: internal error:')} ${message}\n  this is a bug in mpy-iot; please report it with the command you ran (use --verbose for the stack)`);
  return 70;
}

/**
 * --json: the failure joins what the command had already put in its document (deploy's per-port
 * table, run's build), so stdout still holds exactly one document. --jsonl: the last line.
 */
export function failureDocument(out: Output, error: Record<string, unknown>): void {
  if (out.jsonl) return out.event({ type: 'error', ok: false, error });
  const partial = out.pendingDocument();
  out.document({ ...(isPlainObject(partial) ? partial : {}), ok: false, error });
}
