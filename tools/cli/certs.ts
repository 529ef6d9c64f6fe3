import path from 'node:path';
import type { CertInfo, Written } from '../certs/index.ts';
import { CERTS_DIR } from '../certs/store.ts';
import { findProjectFile } from '../config/index.ts';
import { InputError } from '../errors.ts';
import { defineCommand } from './command.ts';
import type { Output } from './io.ts';

interface CertsArgs {
  action: string;
  name: string | undefined;
  dir: string | undefined;
  days: number | undefined;
  host: string[] | undefined;
  force: boolean;
}

const ACTIONS = ['init', 'device', 'registry', 'list'];

/** certs/ next to the project file when there is one, else in the current folder. */
function certsDirOf(args: CertsArgs & { project: string | undefined }, cwd: string): string {
  if (args.dir) return path.resolve(cwd, args.dir);
  try {
    return path.join(path.dirname(findProjectFile(path.resolve(cwd, args.project ?? '.'))), CERTS_DIR);
  } catch {
    if (args.project) throw new InputError(`--project ${args.project}: no project file there`, [], { hint: 'point --project at a folder with mpy-iot.json, or use --dir for the certificates folder' });
    return path.join(cwd, CERTS_DIR);
  }
}

export const certsCommand = defineCommand<CertsArgs>({
  command: 'certs <action> [name]',
  describe: 'X.509 for mTLS and Yandex IoT Core: a CA, device/registry certificates (PEM + DER), list',
  builder: (y) =>
    y
      .positional('action', { type: 'string', choices: ACTIONS, describe: 'init: CA + broker certificate; device|registry <id>: a client certificate; list' })
      .positional('name', { type: 'string', describe: 'The device or registry id (the certificate CN)' })
      .option('dir', { type: 'string', requiresArg: true, describe: 'Certificates folder (default: certs/ next to the project file)' })
      .option('days', { type: 'number', requiresArg: true, describe: 'Validity in days (CA 3650, devices 365, broker 825)' })
      .option('host', { type: 'string', array: true, requiresArg: true, describe: "init: another name or address the broker's certificate is valid for (e.g. this laptop's LAN address)" })
      .option('force', { type: 'boolean', default: false, describe: 'Replace an existing CA or certificate' })
      .example('$0 certs init', 'certs/ca.pem + ca.key, and certs/broker.pem for a broker on this computer')
      .example('$0 certs device dev-1', 'certs/devices/dev-1.pem/.key (ESP32) and .der/.key.der (ESP8266)')
      .example('$0 certs list', 'subject, SHA-256 fingerprint and expiry of every certificate'),
  async run(args, { io, out }) {
    // Loaded here, not at the top: the X.509 library is only needed by this command.
    const { initCertificates, issueClient, listCerts } = await import('../certs/index.ts');
    const dir = certsDirOf(args, io.cwd);
    const rel = (file: string): string => path.relative(io.cwd, file) || file;
    if (args.action === 'list') return printList(listCerts(dir), out, rel);
    let written: Written[];
    if (args.action === 'init') {
      if (args.name !== undefined) throw new InputError(`certs init takes no name (got '${args.name}')`, [], { hint: 'mpy-iot certs init [--host 192.168.1.10]; then mpy-iot certs device <id>' });
      written = await initCertificates(dir, { ...(args.days !== undefined ? { days: args.days } : {}), ...(args.host ? { hosts: args.host } : {}), force: args.force });
    } else {
      if (args.name === undefined) throw new InputError(`certs ${args.action} needs the ${args.action} id`, [], { hint: `mpy-iot certs ${args.action} ${args.action === 'device' ? 'dev-1' : 'my-registry'}` });
      if (args.host) throw new InputError('--host is for `certs init` (the broker certificate)', [], { hint: `drop --host from certs ${args.action}` });
      written = [await issueClient(dir, args.action as 'device' | 'registry', args.name, { ...(args.days !== undefined ? { days: args.days } : {}), force: args.force })];
    }
    if (out.json) return out.document({ ok: true, dir, written });
    const c = out.color;
    for (const w of written) {
      out.line(`${c.green('✓')} ${w.kind === 'server' ? 'broker' : w.kind} ${c.bold(w.cn)}  ${rel(w.paths.cert)} ${c.dim(`(+ ${path.basename(w.paths.key)} 0600, .der for ESP8266)`)}`);
      if (w.cappedByCa) out.line(c.yellow(`  valid until ${w.notAfter.slice(0, 10)} only: the CA expires then (a new CA: certs init --force --days N, then the certificates again)`));
      out.line(`    ${c.dim('SHA-256')} ${w.fingerprint256}  ${c.dim('until')} ${w.notAfter.slice(0, 10)}`);
    }
    const [first] = written;
    if (first?.kind === 'ca') {
      out.line('\nNext:');
      out.line('  mpy-iot certs device <id>        # one per board (its IoT Core device id)');
      out.line(`  mpy-iot broker --iot-core --tls-cert ${rel(written[1]!.paths.cert)} --tls-key ${rel(written[1]!.paths.key)} --tls-ca ${rel(first.paths.cert)}`);
    } else if (first) {
      const p = (file: string): string => path.relative(path.dirname(dir), file).split(path.sep).join('/');
      out.line(`\nIn the project file (${first.kind === 'device' ? `the device '${first.name}'` : 'the registry client'}):`);
      out.line(`  "mqtt": { "tls": { "ca": "${p(path.join(dir, 'ca.pem'))}", "cert": "${p(first.paths.cert)}", "key": "${p(first.paths.key)}" } }`);
      out.line(c.dim('  (the build copies PEM for ESP32 and converts to DER for ESP8266; keys are never printed)'));
    }
  },
});

function printList(certs: CertInfo[], out: Output, rel: (file: string) => string): void {
  if (out.json) return out.document({ ok: true, certificates: certs });
  const c = out.color;
  if (certs.length === 0) return out.line('no certificates yet: mpy-iot certs init');
  for (const cert of certs) {
    const state =
      cert.daysLeft < 0 ? c.red(`expired ${cert.notAfter.slice(0, 10)}`) : cert.daysLeft < 30 ? c.yellow(`expires ${cert.notAfter.slice(0, 10)} (${cert.daysLeft} d)`) : `until ${cert.notAfter.slice(0, 10)}`;
    const trust = cert.signedByCa === false ? c.red('  NOT signed by ca.pem') : '';
    out.line(`${cert.kind.padEnd(8)} ${c.bold((cert.cn ?? cert.subject).padEnd(20))} ${state}${trust}`);
    out.line(`         ${c.dim(rel(cert.file))}  ${c.dim('SHA-256')} ${cert.fingerprint256}`);
  }
}
