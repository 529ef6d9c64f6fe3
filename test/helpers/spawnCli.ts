// Runs the real bin in its own process, as a shell does: for what only a process shows (a pipe
// closed by its reader, signals, what is printed until the process really ends).
import { spawn } from 'node:child_process';
import path from 'node:path';

const bin = path.resolve(import.meta.dirname, '../../tools/cli/bin.mjs');

export interface Spawned {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `mpy-iot args…`; `closeStdout`: the reader goes away at once (as `| head -1` does after a line). */
/**
 * `nodeArgs`: options for node itself, before the bin (e.g. an --import that prints a marker).
 * `sigintWhen`: sends Ctrl-C once the output satisfies it, `sigintDelayMs` (500) later.
 */
export function mpyIot(
  args: string[],
  options: { cwd: string; closeStdout?: boolean; sigintWhen?: (stdout: string, stderr: string) => boolean; sigintDelayMs?: number; nodeArgs?: string[] },
): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), bin, ...args], { cwd: options.cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const maybeInterrupt = (): void => {
      if (!signalled && options.sigintWhen?.(stdout, stderr)) {
        signalled = true;
        // By default a moment later, so the command is past its start-up and in its running state.
        setTimeout(() => child.kill('SIGINT'), options.sigintDelayMs ?? 500);
      }
    };
    if (options.closeStdout) child.stdout.destroy();
    else child.stdout.on('data', (d: Buffer) => ((stdout += d.toString()), maybeInterrupt()));
    child.stderr.on('data', (d: Buffer) => ((stderr += d.toString()), maybeInterrupt()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
