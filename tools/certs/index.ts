// `mpy-iot certs` as a library: make the CA, issue device/registry/broker certificates into the
// project's certs/ folder, list what is there. Nothing is printed, and no result carries a key.
import { InputError } from '../errors.ts';
import { issueCa, issueSigned, type CertKind, type Validity } from './issue.ts';
import { assertFree, certPaths, readAuthority, writeIssued, type CertPaths } from './store.ts';

export { CERTS_DIR, certPaths, listCerts, type CertInfo, type CertPaths } from './store.ts';
export { issueCa, issueSigned, type Authority, type CertKind, type IssuedCert, type Validity } from './issue.ts';

/** Hosts a broker on this computer answers as, unless told otherwise. */
export const LOCAL_HOSTS = ['127.0.0.1', '::1', 'localhost'];

/** What was written: paths and public facts only. */
export interface Written {
  kind: CertKind;
  name: string;
  cn: string;
  paths: CertPaths;
  fingerprint256: string;
  notAfter: string;
  /** Its validity was cut to end with the CA's (more days were asked for). */
  cappedByCa?: true;
}

/** Ids become file names, CNs and topic levels: letters, digits, `_ . -`, as IoT Core ids are. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export function checkCertName(name: string, what: string): void {
  if (!ID.test(name)) {
    throw new InputError(`${what} '${name}' is not a valid id`, [], { hint: 'use letters, digits, "_", "." and "-" (starting with a letter or digit), e.g. dev-1 or the id IoT Core gave the device' });
  }
}

function days(value: number | undefined, flag: string): Validity {
  if (value === undefined) return {};
  if (!Number.isInteger(value) || value < 1 || value > 36500) throw new InputError(`${flag} ${value}: expected a whole number of days from 1 to 36500`, [], { hint: `e.g. ${flag} 365` });
  return { days: value };
}

/**
 * The CA of a class or fleet plus a server certificate for a broker on this computer (hosts:
 * 127.0.0.1, ::1, localhost and any extra names, e.g. the laptop's LAN address for real boards).
 */
export async function initCertificates(certsDir: string, options: { name?: string; days?: number; hosts?: string[]; force?: boolean } = {}): Promise<Written[]> {
  const caPaths = certPaths(certsDir, 'ca', 'ca');
  assertFree(caPaths, options.force ?? false, 'a CA', 'every certificate it signed stops being trusted by brokers that trust the new one');
  const cn = options.name ?? 'mpy-iot CA';
  const ca = await issueCa(cn, days(options.days, '--days'));
  const hosts = [...new Set([...LOCAL_HOSTS, ...(options.hosts ?? [])])];
  const server = await issueSigned({ certPem: ca.certPem, keyPem: ca.keyPem }, 'server', hosts.find((h) => !h.includes(':') && !/^[\d.]+$/.test(h)) ?? hosts[0]!, { hosts });
  writeIssued(caPaths, ca);
  const serverPaths = certPaths(certsDir, 'server', 'broker');
  writeIssued(serverPaths, server);
  return [
    { kind: 'ca', name: 'ca', cn, paths: caPaths, fingerprint256: ca.fingerprint256, notAfter: ca.notAfter.toISOString() },
    { kind: 'server', name: 'broker', cn: hosts.join(', '), paths: serverPaths, fingerprint256: server.fingerprint256, notAfter: server.notAfter.toISOString(), ...(server.cappedByCa ? { cappedByCa: true as const } : {}) },
  ];
}

/** A device's or registry's key and client certificate (CN = its id), signed by the folder's CA. */
export async function issueClient(certsDir: string, kind: 'device' | 'registry', id: string, options: { days?: number; force?: boolean; validity?: Validity } = {}): Promise<Written> {
  checkCertName(id, kind === 'device' ? 'device id' : 'registry id');
  const paths = certPaths(certsDir, kind, id);
  assertFree(paths, options.force ?? false, `a certificate for ${kind} '${id}'`, 'a board or cloud registration using the old one stops working');
  const issued = await issueSigned(readAuthority(certsDir), kind, id, { ...days(options.days, '--days'), ...options.validity });
  writeIssued(paths, issued);
  return { kind, name: id, cn: id, paths, fingerprint256: issued.fingerprint256, notAfter: issued.notAfter.toISOString(), ...(issued.cappedByCa ? { cappedByCa: true as const } : {}) };
}
