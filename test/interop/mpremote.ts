// The real mpremote (../shared/interop, installed by .ci/run into .interop/bin) against a virtual
// board: the commands a user types, judged by mpremote's exit code, output and the bytes it moves.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const mpremoteBin = path.resolve(import.meta.dirname, '../../.interop/bin/mpremote');
/** node:test's `skip` option: a reason when the real mpremote is not installed. */
export const skipWithoutMpremote: string | false = existsSync(mpremoteBin) ? false : `the real mpremote is not installed at ${mpremoteBin} (run ../shared/interop/install.sh .interop/bin, as .ci/run does)`;

export interface MpremoteRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `mpremote connect <port> …args`; never throws on a non-zero exit (the caller asserts on it). */
export function mpremote(port: string, args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<MpremoteRun> {
  return new Promise((resolve) => {
    execFile(mpremoteBin, ['connect', port, ...args], { cwd: options.cwd, timeout: options.timeoutMs ?? 60_000, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
