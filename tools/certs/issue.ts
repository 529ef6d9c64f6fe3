// Keys and X.509 certificates made with @peculiar/x509 over Node's WebCrypto: a CA for a class or
// fleet, client certificates for devices and registries, and a server certificate for a local
// broker. Pure (nothing is written here; store.ts writes). RSA 2048 + SHA-256 everywhere, because
// the ESP8266's axTLS reads RSA keys only and IoT Core accepts them.
import 'reflect-metadata';
import { createPrivateKey, webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALGORITHM = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;
const DAY_MS = 86_400_000;

export type CertKind = 'ca' | 'device' | 'registry' | 'server';

/** A certificate and its private key, both PEM (PKCS#8 key), plus the DER forms an ESP8266 reads. */
export interface IssuedCert {
  kind: CertKind;
  certPem: string;
  keyPem: string;
  certDer: Buffer;
  /** PKCS#1 RSA key, the form axTLS (ESP8266) and the build's PEM→DER conversion use. */
  keyDer: Buffer;
  /** SHA-256 of the DER certificate, AB:CD:… as Node and openssl print it. */
  fingerprint256: string;
  notAfter: Date;
  /** Its validity was cut to end with its CA's (it asked for more). */
  cappedByCa?: true;
}

export interface Validity {
  /** Default: now minus one hour (a board's clock a little behind still accepts it). */
  notBefore?: Date;
  /** Default: notBefore + days. */
  notAfter?: Date;
  days?: number;
}

/** The CA that signs: its certificate and private key (PEM, as store.ts reads them). */
export interface Authority {
  certPem: string;
  keyPem: string;
}

function window(v: Validity, defaultDays: number): { notBefore: Date; notAfter: Date } {
  const notBefore = v.notBefore ?? new Date(Date.now() - 3_600_000);
  return { notBefore, notAfter: v.notAfter ?? new Date(notBefore.getTime() + (v.days ?? defaultDays) * DAY_MS) };
}

/** 16 random bytes, first bit clear: a positive serial number as RFC 5280 asks. */
function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** A distinguished name from plain text: the CN is escaped, so a name with a comma stays one CN. */
function dn(cn: string, organization?: string): string {
  const escape = (s: string): string => s.replace(/([,+"\\<>;=])/g, '\\$1');
  return `CN=${escape(cn)}${organization ? `, O=${escape(organization)}` : ''}`;
}

async function finish(kind: CertKind, cert: x509.X509Certificate, privateKey: CryptoKey): Promise<IssuedCert> {
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', privateKey));
  const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const certDer = Buffer.from(cert.rawData);
  return {
    kind,
    certPem: cert.toString('pem') + '\n',
    keyPem: key.export({ format: 'pem', type: 'pkcs8' }).toString(),
    certDer,
    keyDer: key.export({ format: 'der', type: 'pkcs1' }),
    fingerprint256: new NodeX509(certDer).fingerprint256,
    notAfter: cert.notAfter,
  };
}

/** A self-signed CA for a class or fleet; only it signs the device, registry and broker certificates. */
export async function issueCa(name: string, validity: Validity = {}): Promise<IssuedCert> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: dn(name, 'mpy-iot'),
    ...window(validity, 3650),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return finish('ca', cert, keys.privateKey);
}

async function importAuthority(ca: Authority): Promise<{ cert: x509.X509Certificate; key: CryptoKey }> {
  const pkcs8 = createPrivateKey(ca.keyPem).export({ format: 'der', type: 'pkcs8' });
  const key = await webcrypto.subtle.importKey('pkcs8', pkcs8, ALGORITHM, false, ['sign']);
  return { cert: new x509.X509Certificate(ca.certPem), key };
}

/**
 * A certificate signed by the CA. Devices and registries get a client certificate whose CN is
 * their IoT Core id (the embedded broker identifies a CA-signed client by its CN; the cloud by the
 * registered certificate); a server gets one valid for the given host names and addresses.
 */
export async function issueSigned(
  ca: Authority,
  kind: Exclude<CertKind, 'ca'>,
  cn: string,
  options: Validity & { hosts?: string[] } = {},
): Promise<IssuedCert> {
  const authority = await importAuthority(ca);
  const keys = await newKeys();
  const names = (options.hosts ?? []).map((h): x509.JsonGeneralName => (/^[\d.]+$|:/.test(h) ? { type: 'ip', value: h } : { type: 'dns', value: h }));
  const { notBefore, notAfter } = window(options, kind === 'server' ? 825 : 365);
  // Nothing a CA signs verifies after the CA itself expires: say so in the certificate rather
  // than promise days that no broker will accept.
  const cappedByCa = notAfter > authority.cert.notAfter;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: dn(cn),
    issuer: authority.cert.subject,
    notBefore,
    notAfter: cappedByCa ? authority.cert.notAfter : notAfter,
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: authority.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([kind === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(authority.cert),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
    ],
  });
  return { ...(await finish(kind, cert, keys.privateKey)), ...(cappedByCa ? { cappedByCa } : {}) };
}
