// `mpy-iot dashboard` run in-process through the CLI, until the test stops it (as Ctrl-C would).
import { runCli, type CliRun } from '../helpers/cli.ts';

export interface RunningDashboard {
  url: string;
  stop(): Promise<CliRun>;
}

/** Starts `dashboard --json --port 0 …args` in `cwd`; resolves with the page URL it announces. */
export async function startDashboardCli(args: string[], cwd: string): Promise<RunningDashboard> {
  const interrupt = new AbortController();
  let announce: (url: string) => void = () => {};
  const announced = new Promise<string>((resolve) => (announce = resolve));
  const run = runCli(['dashboard', '--json', '--port', '0', ...args], {
    cwd,
    interrupt: interrupt.signal,
    onStdout: (text) => {
      for (const line of text.split('\n')) if (line.includes('"dashboard"')) announce((JSON.parse(line) as { url: string }).url);
    },
  });
  const url = await Promise.race([announced, run.then((r) => Promise.reject(new Error(`dashboard exited ${r.code}: ${r.stderr}${r.stdout}`)))]);
  return {
    url,
    stop: () => {
      interrupt.abort();
      return run;
    },
  };
}
