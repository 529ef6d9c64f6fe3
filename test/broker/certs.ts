// Throwaway X.509 material made with the openssl CLI: a CA, a server certificate for 127.0.0.1,
// CA-signed client certificates, and self-signed ones. EC P-256 keys keep generation fast.
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

export interface Pem {
  cert: string;
  key: string;
  /** SHA-256 fingerprint as Node prints it (AB:CD:…). */
  fingerprint256: string;
}

function openssl(dir: string, args: string[]): void {
  const run = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (run.error || run.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${run.error?.message ?? run.stderr}`);
}

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function read(dir: string, name: string): Pem {
  const cert = readFileSync(path.join(dir, `${name}.crt`), 'utf8');
  return { cert, key: readFileSync(path.join(dir, `${name}.key`), 'utf8'), fingerprint256: new X509Certificate(cert).fingerprint256 };
}

export interface CertFactory {
  ca: Pem;
  server: Pem;
  /** A client certificate with this CN signed by the CA. */
  signed(cn: string): Pem;
  /** A self-signed client certificate with this CN (no CA vouches for it). */
  selfSigned(cn: string): Pem;
}

export function makeCerts(): CertFactory {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mpy-iot-certs-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  openssl(dir, ['req', '-x509', ...KEY, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=mpy-iot test CA']);
  let serial = 0;
  const sign = (name: string, cn: string, extensions: string): Pem => {
    writeFileSync(path.join(dir, `${name}.ext`), extensions);
    openssl(dir, ['req', '-new', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', String(++serial), '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
    return read(dir, name);
  };
  const server = sign('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  let n = 0;
  return {
    ca: read(dir, 'ca'),
    server,
    signed: (cn) => sign(`client${++n}`, cn, 'extendedKeyUsage=clientAuth\n'),
    selfSigned(cn) {
      const name = `self${++n}`;
      openssl(dir, ['req', '-x509', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${cn}`]);
      return read(dir, name);
    },
  };
}
