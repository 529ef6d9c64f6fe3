// Runs `mpy-iot simulate …` as a child process (as a user would) and returns the port it prints:
// a pseudo-terminal path (--pty) or an RFC 2217 URL (--rfc2217).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after } from 'node:test';

const bin = path.resolve(import.meta.dirname, '../../tools/cli/bin.mjs');

export interface RunningSimulator {
  /** The first port the simulator printed. */
  path: string;
  /** Everything it printed so far (stderr: notes and ports; stdout: the boards' console). */
  stderr(): string;
  stdout(): string;
  /** Resolves with the first match of `pattern` in stdout + stderr printed after `from` characters of stdout. */
  waitFor(pattern: RegExp, timeoutMs?: number, from?: number): Promise<RegExpExecArray>;
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
  let err = '';
  let out = '';
  // Read stdout too: an unread pipe fills up and stalls the simulator.
  sim.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const waitFor = (wanted: RegExp, timeoutMs = 20_000, from = 0): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const started = Date.now();
      const look = (): void => {
        const match = wanted.exec(out.slice(from)) ?? wanted.exec(err);
        if (match) return resolve(match);
        if (Date.now() - started > timeoutMs) return reject(new Error(`simulate printed nothing matching ${wanted} within ${timeoutMs} ms:\n${err}\n${out.slice(-3000)}`));
        setTimeout(look, 50);
      };
      look();
    });
  return new Promise<RunningSimulator>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no port printed: ${err}`)), 20_000);
    sim.once('exit', (code) => reject(new Error(`simulate exited (${code}) before printing a port: ${err}`)));
    sim.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      // The path may be wrapped in colour codes; the path itself is plain.
      const match = pattern.exec(err);
      if (match) {
        clearTimeout(timer);
        resolve({ path: match[1]!, stderr: () => err, stdout: () => out, waitFor, stop: kill });
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
