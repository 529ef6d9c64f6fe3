// Runs `mpy-iot simulate --pty …` as a child process (as a user would) and returns the
// pseudo-terminal path it prints (or, with --rfc2217, the RFC 2217 URL).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after } from 'node:test';

const bin = path.resolve(import.meta.dirname, '../../tools/cli/bin.mjs');

export interface RunningSimulator {
  /** The first /dev/pts/N (or rfc2217://…) the simulator printed. */
  path: string;
  /** Everything it printed on stderr so far. */
  stderr(): string;
  stop(): void;
}

/**
 * Starts the simulator; the caller stops it (from a suite's `after`: a hook registered inside a
 * `before` or `it` would run as soon as that one ends). It is also killed when the test file exits.
 */
export function startSimulator(args: string[], cwd: string, pattern = /(\/dev\/pts\/\d+)/): Promise<RunningSimulator> {
  const sim = spawn(process.execPath, [bin, 'simulate', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const kill = (): void => {
    if (sim.exitCode === null) sim.kill();
  };
  process.once('exit', kill);
  return new Promise<RunningSimulator>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no port printed: ${err}`)), 20_000);
    sim.once('exit', (code) => reject(new Error(`simulate exited (${code}) before printing a port: ${err}`)));
    sim.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      // The path may be wrapped in colour codes; the path itself is plain.
      const match = pattern.exec(err);
      if (match) {
        clearTimeout(timer);
        resolve({ path: match[1]!, stderr: () => err, stop: kill });
      }
    });
  });
}

/** `simulate --pty …` for a top-level test; killed after the test file. */
export async function ptySimulator(args: string[], cwd: string): Promise<string> {
  const sim = await startSimulator(['--pty', ...args], cwd);
  after(() => sim.stop());
  return sim.path;
}
