// The project's certs/ folder: where each certificate and key lives, writing them (keys 0600, all
// files of one certificate or none), and reading them back for `certs list`.
//
//   certs/ca.pem  ca.key                       the CA of the class or fleet (ca.der for ESP8266)
//   certs/broker.pem  broker.key               a server certificate for a broker on this computer
//   certs/devices/<id>.pem .key .der .key.der  one per device: PEM for ESP32, DER for ESP8266
//   certs/registries/<id>.pem .key …           one per registry
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';
import type { Authority, CertKind, IssuedCert } from './issue.ts';

export const CERTS_DIR = 'certs';

export interface CertPaths {
  cert: string;
  key: string;
  certDer: string;
  keyDer: string;
}

const FOLDER: Record<CertKind, string> = { ca: '', server: '', device: 'devices', registry: 'registries' };

/** Where a certificate of this kind and name lives (the CA is always `ca`, the server `broker`). */
export function certPaths(certsDir: string, kind: CertKind, name: string): CertPaths {
  const base = path.join(certsDir, FOLDER[kind], kind === 'ca' ? 'ca' : kind === 'server' ? 'broker' : name);
  return { cert: `${base}.pem`, key: `${base}.key`, certDer: `${base}.der`, keyDer: `${base}.key.der` };
}

/**
 * Writes the four files of one certificate: each to a temporary name first, then renamed, so an
 * interrupted run never leaves a certificate without its key. Keys are created 0600 (and chmod'ed,
 * in case a umask or an old file widened them).
 */
export function writeIssued(paths: CertPaths, issued: IssuedCert): void {
  mkdirSync(path.dirname(paths.cert), { recursive: true });
  const files: [string, string | Buffer, number][] = [
    [paths.cert, issued.certPem, 0o644],
    [paths.certDer, issued.certDer, 0o644],
    [paths.key, issued.keyPem, 0o600],
    // A DER key only where an ESP8266 reads it: a device's or a registry's, not the CA's or the broker's.
    ...(issued.kind === 'device' || issued.kind === 'registry' ? [[paths.keyDer, issued.keyDer, 0o600] as [string, Buffer, number]] : []),
  ];
  const temp = (file: string): string => `${file}.tmp-${process.pid}`;
  try {
    for (const [file, data, mode] of files) {
      writeFileSync(temp(file), data, { mode, flag: 'wx' });
      chmodSync(temp(file), mode);
    }
  } catch (cause) {
    for (const [file] of files) rmSync(temp(file), { force: true });
    throw new InputError(`cannot write ${paths.cert}: ${(cause as Error).message}`, [], { cause, hint: 'check that the folder is writable' });
  }
  for (const [file] of files) renameSync(temp(file), file);
}

/** Refuses to replace a certificate unless asked: the old one may already be registered or on a board. */
export function assertFree(paths: CertPaths, force: boolean, what: string, consequence: string): void {
  if (!force && (existsSync(paths.cert) || existsSync(paths.key))) {
    throw new InputError(`${what} already exists: ${paths.cert}`, [], { hint: `keep it, or add --force to replace it (${consequence})` });
  }
}

export function readAuthority(certsDir: string): Authority {
  const paths = certPaths(certsDir, 'ca', 'ca');
  if (!existsSync(paths.cert) || !existsSync(paths.key)) {
    throw new InputError(`no CA in ${certsDir} (looked for ca.pem and ca.key)`, [], { hint: 'run `mpy-iot certs init` first' });
  }
  const certPem = readFileSync(paths.cert, 'utf8');
  const keyPem = readFileSync(paths.key, 'utf8');
  const cert = new X509Certificate(certPem);
  if (new Date(cert.validTo).getTime() < Date.now()) {
    throw new InputError(`the CA in ${paths.cert} expired on ${new Date(cert.validTo).toISOString().slice(0, 10)}`, [], { hint: 'run `mpy-iot certs init --force` for a new CA, then issue the device certificates again' });
  }
  return { certPem, keyPem };
}

export interface CertInfo {
  kind: CertKind;
  /** The file name without folder and extension: the device or registry id, `ca` or `broker`. */
  name: string;
  file: string;
  subject: string;
  cn: string | null;
  fingerprint256: string;
  notBefore: string;
  notAfter: string;
  /** Whole days until notAfter (negative once expired). */
  daysLeft: number;
  /** Signed by the folder's CA (the CA itself: true). null when there is no CA to check against. */
  signedByCa: boolean | null;
}

/** Every certificate in the folder (PEM files only: the DER ones are copies of them). */
export function listCerts(certsDir: string, now = Date.now()): CertInfo[] {
  if (!existsSync(certsDir)) throw new InputError(`no certificates folder at ${certsDir}`, [], { hint: 'run `mpy-iot certs init` first' });
  const caFile = certPaths(certsDir, 'ca', 'ca').cert;
  const ca = existsSync(caFile) ? new X509Certificate(readFileSync(caFile)) : null;
  const found: CertInfo[] = [];
  const add = (file: string, kind: CertKind): void => {
    const text = readFileSync(file, 'utf8');
    if (!text.includes('-----BEGIN CERTIFICATE-----')) return;
    const cert = new X509Certificate(text);
    const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? null;
    const notAfter = new Date(cert.validTo);
    found.push({
      kind,
      name: path.basename(file, '.pem'),
      file,
      subject: cert.subject.replace(/\n/g, ', '),
      cn,
      fingerprint256: cert.fingerprint256,
      notBefore: new Date(cert.validFrom).toISOString(),
      notAfter: notAfter.toISOString(),
      daysLeft: Math.floor((notAfter.getTime() - now) / 86_400_000),
      signedByCa: ca === null ? null : kind === 'ca' ? true : cert.checkIssued(ca) && cert.verify(ca.publicKey),
    });
  };
  const pems = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.pem')).sort().map((f) => path.join(dir, f)) : []);
  // The CA first: it is what the others are checked against.
  for (const file of pems(certsDir).sort((a, b) => Number(b === caFile) - Number(a === caFile))) add(file, file === caFile ? 'ca' : 'server');
  for (const file of pems(path.join(certsDir, FOLDER.device))) add(file, 'device');
  for (const file of pems(path.join(certsDir, FOLDER.registry))) add(file, 'registry');
  return found;
}
