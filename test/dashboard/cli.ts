// `mpy-iot dashboard` run in-process through the CLI, until the test stops it (as Ctrl-C would).
import { runCli, type CliRun } from '../helpers/cli.ts';

export interface RunningDashboard {
  url: string;
  /** stdout so far. */
  output(): string;
  stop(): Promise<CliRun>;
}

/** Starts `dashboard --json --port 0 …args` in `cwd`; resolves with the page URL it announces. */
export function startDashboardCli(args: string[], cwd: string): Promise<RunningDashboard> {
  return startServingCli(['dashboard', '--json', '--port', '0', ...args], cwd);
}

/** Any command that announces a dashboard (`--json`: a {"type": "dashboard", "url"} event line). */
export async function startServingCli(argv: string[], cwd: string): Promise<RunningDashboard> {
  const interrupt = new AbortController();
  let announce: (url: string) => void = () => {};
  const announced = new Promise<string>((resolve) => (announce = resolve));
  let stdout = '';
  const run = runCli(argv, {
    cwd,
    interrupt: interrupt.signal,
    onStdout: (text) => {
      stdout += text;
      for (const line of text.split('\n')) if (line.startsWith('{"type":"dashboard"')) announce((JSON.parse(line) as { url: string }).url);
    },
  });
  const url = await Promise.race([announced, run.then((r) => Promise.reject(new Error(`dashboard exited ${r.code}: ${r.stderr}${r.stdout}`)))]);
  return {
    url,
    output: () => stdout,
    stop: () => {
      interrupt.abort();
      return run;
    },
  };
}
