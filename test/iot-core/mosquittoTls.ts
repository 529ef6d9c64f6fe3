// Debian's mosquitto as IoT Core's stand-in for the mTLS tests: a TLS listener that requires a
// certificate from the class CA and takes its CN as the user name, an ACL, the log in a file, and
// (optionally) a plain listener beside it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort } from '../helpers/brokers.ts';
import { tempDir } from '../helpers/cli.ts';
import { until } from '../helpers/until.ts';

export interface MosquittoTls {
  tlsPort: number;
  /** With `plainListener`: an anonymous mqtt:// port; otherwise null. */
  plainPort: number | null;
  /** What mosquitto has logged so far (log_type all). */
  log(): string;
  /**
   * Resolves once the log has `count` lines matching `pattern`. mosquitto logs a refused handshake
   * after it sent the alert, so the client can report the failure before the line is written.
   */
  waitForLog(pattern: RegExp, what: string, count?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startMosquittoTls(options: { certsDir: string; acl: string; plainListener?: boolean }): Promise<MosquittoTls> {
  const dir = tempDir();
  const tlsPort = await freePort();
  const plainPort = options.plainListener ? await freePort() : null;
  const logFile = path.join(dir, 'mosquitto.log');
  const certs = (f: string): string => path.join(options.certsDir, f);
  writeFileSync(path.join(dir, 'acl'), options.acl);
  writeFileSync(
    path.join(dir, 'mosquitto.conf'),
    [
      // As root mosquitto would switch to the mosquitto user, who cannot read our 0600 broker.key.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      'per_listener_settings true',
      'persistence false',
      `log_dest file ${logFile}`,
      'log_type all',
      `listener ${tlsPort} 127.0.0.1`,
      `cafile ${certs('ca.pem')}`,
      `certfile ${certs('broker.pem')}`,
      `keyfile ${certs('broker.key')}`,
      'require_certificate true',
      'use_identity_as_username true',
      `acl_file ${path.join(dir, 'acl')}`,
      ...(plainPort === null ? [] : [`listener ${plainPort} 127.0.0.1`, 'allow_anonymous true']),
      '',
    ].join('\n'),
  );
  const child = spawn('mosquitto', ['-c', path.join(dir, 'mosquitto.conf')], { stdio: 'ignore' });
  let up = false;
  for (let i = 0; i < 200 && !up; i++) {
    up = await listening(plainPort ?? tlsPort);
    if (!up) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(up, `mosquitto listens on 127.0.0.1:${plainPort ?? tlsPort} within 10 s (log: ${path.join(dir, 'mosquitto.log')})`);
  const log = (): string => readFileSync(logFile, 'utf8');
  return {
    tlsPort,
    plainPort,
    log,
    waitForLog: (pattern, what, count = 1) => {
      const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
      return until(() => (log().match(global)?.length ?? 0) >= count, `mosquitto's log: ${what}`);
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
