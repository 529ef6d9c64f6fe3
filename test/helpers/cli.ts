// Runs the CLI in-process with captured streams, and makes throwaway project folders.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CliIo } from '../../tools/cli/io.ts';
import { main } from '../../tools/cli/main.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json<T = Record<string, unknown>>(): T;
}

/** `interrupt`: aborting it acts as Ctrl-C for commands that run until interrupted. `onStdout`/`onStderr` see output as it comes. */
export async function runCli(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; isTTY?: boolean; interrupt?: AbortSignal; onStdout?: (text: string) => void; onStderr?: (text: string) => void } & Pick<CliIo, 'stdin' | 'serialBinding'>,
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => {
      stdout += t;
      options.onStdout?.(t);
    },
    stderr: (t) => {
      stderr += t;
      options.onStderr?.(t);
    },
    cwd: options.cwd,
    env: options.env ?? {},
    isTTY: options.isTTY ?? false,
    ...(options.stdin ? { stdin: options.stdin } : {}),
    ...(options.serialBinding ? { serialBinding: options.serialBinding } : {}),
    ...(options.interrupt
      ? {
          onInterrupt: (handler: () => void) => {
            // Aborted before the command got to waiting (a test that stops it on what it saw): Ctrl-C now.
            if (options.interrupt!.aborted) queueMicrotask(handler);
            options.interrupt!.addEventListener('abort', handler, { once: true });
            return () => options.interrupt!.removeEventListener('abort', handler);
          },
        }
      : {}),
  });
  return { code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T };
}

const tempDirs: string[] = [];
// Removed when the test file's process ends (not in an `after` hook: suites create folders in
// `before` hooks, and hooks registered there would run too early).
process.once('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A temp folder with the given files (objects are written as JSON); removed when the test file ends. */
export function tempDir(files: Record<string, string | object> = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mpy-iot-test-'));
  tempDirs.push(dir);
  for (const [name, contents] of Object.entries(files)) {
    const target = path.join(dir, name);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, typeof contents === 'string' ? contents : JSON.stringify(contents, null, 2));
  }
  return dir;
}

/** A valid lab project; tests override parts of it. */
export function labProjectJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    defaults: {
      board: 'esp32',
      wifi: { ssid: 'lab-wifi', password: 'wifi-secret-123' },
      mqtt: { url: 'mqtt://127.0.0.1:1883' },
      telemetry: { topics: ['DATA/{mac}'] },
    },
    devices: [{ name: 'team-1', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01' } }],
    ...overrides,
  };
}
