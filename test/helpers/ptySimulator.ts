// Runs `mpy-iot simulate …` as a child process (as a user would) and returns the port it prints:
// a pseudo-terminal path (--pty) or an RFC 2217 URL (--rfc2217).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after } from 'node:test';
import { buildLab } from './sim.ts';

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

export interface Rfc2217Fleet {
  sim: RunningSimulator;
  /** The rfc2217:// URL `simulate` printed for `<prefix><board>`. */
  url(board: string): string;
  /** How many times that board's firmware has booted so far (its `INFO app … boot=` lines). */
  boots(board: string): number;
}

/**
 * Builds one lab device per board profile (named `<prefix><board>`) and serves each over RFC 2217
 * with `simulate --rfc2217`; the caller stops `sim` from its suite's `after`.
 */
export async function rfc2217Fleet(prefix: string, boards: readonly string[], duration: string): Promise<Rfc2217Fleet> {
  const project = await buildLab({
    brokerUrl: 'mqtt://127.0.0.1:9',
    devices: boards.map((board) => ({ name: `${prefix}${board}`, board, telemetry: { students: ['A'], group: 'G', sensor: 'simulated' } })),
  });
  const sim = await startSimulator(['--rfc2217', '--duration', duration], project, /(rfc2217:\/\/\S+)/);
  const urls = new Map<string, string>();
  for (const board of boards) urls.set(board, (await sim.waitFor(new RegExp(`${prefix}${board} serial port: (?:\\S*?)(rfc2217://127\\.0\\.0\\.1:\\d+)`)))[1]!);
  return {
    sim,
    url: (board) => urls.get(board)!,
    boots: (board) => (sim.stdout().match(new RegExp(`${prefix}${board} +│ .*INFO app .*boot=`, 'g')) ?? []).length,
  };
}
