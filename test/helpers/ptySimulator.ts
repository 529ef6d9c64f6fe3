// Runs `mpy-iot simulate --pty …` as a child process (as a user would) and returns the
// pseudo-terminal path it prints; the process is killed after the test file.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after } from 'node:test';

const bin = path.resolve(import.meta.dirname, '../../tools/cli/bin.mjs');

export function ptySimulator(args: string[], cwd: string): Promise<string> {
  const sim = spawn(process.execPath, [bin, 'simulate', '--pty', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  after(() => sim.kill());
  return new Promise<string>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no pty path printed: ${err}`)), 20_000);
    sim.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      // The path may be wrapped in colour codes; the path itself is plain.
      const match = /(\/dev\/pts\/\d+)/.exec(err);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
  });
}
