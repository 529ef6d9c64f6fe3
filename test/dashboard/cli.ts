// `mpy-iot dashboard` (or demo/broker --dashboard) run in-process through the CLI, until the test
// stops it as Ctrl-C would. The page's URL is read from the line the command prints on stderr.
import { main } from '../../tools/cli/main.ts';
import type { CliRun } from '../helpers/cli.ts';

export interface RunningDashboard {
  url: string;
  /** stdout so far. */
  output(): string;
  stop(): Promise<CliRun>;
}

/** Starts `dashboard --port 0 …args` in `cwd`; resolves with the page URL it announces. */
export function startDashboardCli(args: string[], cwd: string): Promise<RunningDashboard> {
  return startServingCli(['dashboard', '--port', '0', ...args], cwd);
}

/** Any command that serves a dashboard: resolves once it prints "dashboard on <url>". */
export async function startServingCli(argv: string[], cwd: string): Promise<RunningDashboard> {
  const interrupt = new AbortController();
  let stdout = '';
  let stderr = '';
  let announce: (url: string) => void = () => {};
  const announced = new Promise<string>((resolve) => (announce = resolve));
  const code = main(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => {
      stderr += t;
      const found = /dashboard on (http:\/\/\S+)/.exec(stderr);
      if (found) announce(found[1]!);
    },
    cwd,
    env: {},
    isTTY: false,
    onInterrupt: (handler) => {
      interrupt.signal.addEventListener('abort', () => handler('signal'), { once: true });
      return () => {};
    },
  });
  const run = code.then((c): CliRun => ({ code: c, stdout, stderr, json: <T>() => JSON.parse(stdout) as T }));
  const url = await Promise.race([announced, run.then((r) => Promise.reject(new Error(`${argv[0]} exited ${r.code}: ${r.stderr}${r.stdout}`)))]);
  return {
    url,
    output: () => stdout,
    stop: () => {
      interrupt.abort();
      return run;
    },
  };
}
