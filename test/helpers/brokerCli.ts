// `mpy-iot broker` run as a user runs it, with `--port 0 --tls-port 0`: the ports it binds are the
// ones it prints (a port picked free beforehand could be taken by another test file first).
import assert from 'node:assert/strict';
import path from 'node:path';
import { runCli, tempDir, type CliRun } from './cli.ts';
import { until } from './until.ts';

export interface BrokerCli {
  /** The mqtts:// URL the broker printed. */
  tlsUrl: string;
  /** What it has printed so far (stdout and stderr). */
  log: () => string;
  /** Ctrl-C, then the whole run. */
  stop: () => Promise<CliRun>;
}

export async function brokerCli(args: string[], cwd: string): Promise<BrokerCli> {
  const interrupt = new AbortController();
  let log = '';
  let exited = false;
  const run = runCli(['broker', '--port', '0', '--tls-port', '0', ...args], { cwd, env: {}, interrupt: interrupt.signal, onStdout: (t) => (log += t), onStderr: (t) => (log += t) });
  void run.finally(() => (exited = true));
  await until(() => exited || /listening on mqtts:\/\/127\.0\.0\.1:\d+/.test(log), 'the mqtts listener announced', 30_000).catch((error: unknown) => {
    interrupt.abort();
    throw error;
  });
  if (exited) throw new Error(`broker exited ${(await run).code}: ${log}`);
  const tlsUrl = /listening on (mqtts:\/\/127\.0\.0\.1:\d+)/.exec(log)![1]!;
  return {
    tlsUrl,
    log: () => log,
    stop: async () => {
      interrupt.abort();
      return run;
    },
  };
}

/** `init --template iot-core` with a class CA and certificates for dev-1 and dev-2; the project folder. */
export async function iotCoreProjectWithCerts(): Promise<string> {
  const root = tempDir();
  const dir = path.join(root, 'fleet');
  for (const [args, cwd] of [[['init', 'fleet', '--template', 'iot-core'], root], [['certs', 'init'], dir], [['certs', 'device', 'dev-1'], dir], [['certs', 'device', 'dev-2'], dir]] as const) {
    assert.equal((await runCli([...args], { cwd })).code, 0, args.join(' '));
  }
  return dir;
}
