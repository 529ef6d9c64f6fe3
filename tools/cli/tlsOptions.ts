// --cafile/--cert/--key, as mosquitto_sub takes them: how an operator's command trusts a class CA
// and presents a client certificate (a registry's, on IoT Core or a broker with
// require_certificate). Files are checked here, before any connection, so a wrong file is bad input
// (exit 2) naming the flag, never a TLS failure later. PEM or DER; what reaches mqtt.js is PEM.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';
import type { Output } from './io.ts';

export interface TlsArgs {
  cafile?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
}

/** What goes into mqtt.js's client options (PEM text). */
export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

export const tlsOptions = (y: import('yargs').Argv): import('yargs').Argv =>
  y
    .option('cafile', { type: 'string', requiresArg: true, describe: "TLS (mqtts://): trust the broker's certificate only if this CA signed it (PEM or DER), e.g. certs/ca.pem; replaces the system's CAs, so leave it out for a broker with a public certificate" })
    .option('cert', { type: 'string', requiresArg: true, describe: 'Client certificate to log in with (PEM or DER; with --key), e.g. a registry\'s certs/registries/reg-1.pem' })
    .option('key', { type: 'string', requiresArg: true, describe: "The client certificate's private key (PEM or DER, unencrypted; never printed)" });

/** The URL schemes that run over TLS: the only ones these flags mean anything for. */
const TLS_SCHEMES = ['mqtts:', 'wss:'];

/**
 * Reads and checks the TLS files of a command line (paths relative to `cwd`). Every private key
 * read is handed to the output redactor before anything can print it. Throws InputError (exit 2)
 * naming the flag and the file.
 */
export function readTlsFiles(args: TlsArgs, url: string, cwd: string, out: Output): TlsFiles {
  const given = (['cafile', 'cert', 'key'] as const).filter((flag) => args[flag] !== undefined);
  if (given.length === 0) return {};
  // A key pasted where its path belongs (--key="$MQTT_KEY" in a CI job) is never echoed back.
  for (const flag of ['cert', 'key'] as const) {
    const value = args[flag];
    if (value !== undefined && looksLikeKeyText(value)) {
      redactKey(value, out);
      throw new InputError(`--${flag}: the value is a key or certificate itself, not the path of its file`, [], { hint: `write it to a file (chmod 600) and give --${flag} that file's path` });
    }
  }
  if (args.cafile !== undefined && args.cafile.trim() === '') throw new InputError('--cafile: the value is empty', [], { hint: 'give the path of the CA certificate, e.g. --cafile certs/ca.pem' });
  if (args.cert !== undefined && args.key === undefined) {
    throw new InputError(`--cert ${args.cert} needs its private key: --key is missing`, [], { hint: `add --key with the key made with it (for ${args.cert}: usually ${keyBeside(args.cert)})` });
  }
  if (args.key !== undefined && args.cert === undefined) {
    throw new InputError(`--key ${args.key} needs its certificate: --cert is missing`, [], { hint: 'add --cert with the certificate of that key (the .pem beside the .key)' });
  }
  const scheme = schemeOf(url);
  if (scheme !== null && !TLS_SCHEMES.includes(scheme)) {
    const flags = given.map((f) => `--${f}`).join(', ');
    throw new InputError(`${flags} ${given.length > 1 ? 'are' : 'is'} for a TLS broker, but the broker URL ${url.replace(/\/\/[^@/]*@/, '//')} is ${scheme}// (no TLS)`, [], {
      hint: `use the broker's TLS address (e.g. -b ${scheme === 'ws:' ? 'wss://host/mqtt' : 'mqtts://host:8883'}), or leave out ${flags}`,
    });
  }
  const files: TlsFiles = {};
  if (args.cafile !== undefined) files.ca = readCaFile('--cafile', args.cafile, cwd, out);
  if (args.cert !== undefined && args.key !== undefined) Object.assign(files, readKeyPair({ flag: '--cert', file: args.cert }, { flag: '--key', file: args.key }, cwd, out));
  return files;
}

/**
 * A certificate file and the key made with it (PEM or DER), checked to belong together; the key
 * goes to the output redactor. Also the broker's own --tls-cert/--tls-key.
 */
export function readKeyPair(cert: { flag: string; file: string }, key: { flag: string; file: string }, cwd: string, out: Output): { cert: string; key: string } {
  const certificate = readCertificates(cert.flag, cert.file, cwd, out);
  const privateKey = readKey(key.flag, key.file, cwd, out);
  if (!certificate.leaf.checkPrivateKey(privateKey.object)) {
    throw new InputError(`${key.flag} ${key.file} is not the key of ${cert.flag} ${cert.file} (their public keys differ)`, [], { hint: `give the key made together with that certificate (usually ${keyBeside(cert.file)})` });
  }
  return { cert: certificate.pem, key: privateKey.pem };
}

/** One or more CA certificates (PEM or DER) as PEM. */
export function readCaFile(flag: string, file: string, cwd: string, out: Output): string {
  return readCertificates(flag, file, cwd, out).pem;
}

/** PEM text, several lines, or a long run of base64: a key's contents rather than a file name. */
const looksLikeKeyText = (value: string): boolean => /-----BEGIN|[\r\n]/.test(value) || /^[A-Za-z0-9+/=]{64,}$/.test(value.trim());

function schemeOf(url: string): string | null {
  try {
    return new URL(url).protocol;
  } catch {
    return null;
  }
}

const keyBeside = (certFile: string): string => certFile.replace(/\.(pem|crt|der|cer)$/i, '') + '.key';

function readFile(flag: string, file: string, cwd: string): Buffer {
  try {
    return readFileSync(path.resolve(cwd, file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (code ?? String(error));
    throw new InputError(`${flag} ${file}: cannot read it (${why})`, [], {
      cause: error,
      hint: code === 'EACCES' ? `let this user read it (e.g. chmod 600 ${file} as its owner), or run as the owner` : `check the path (relative to ${cwd}); \`mpy-iot certs list\` shows the project's certificates`,
    });
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** The labels of the PEM blocks in a file ("CERTIFICATE", "RSA PRIVATE KEY"…); [] when it is not PEM. */
function pemLabels(text: string): string[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => m[1]!);
}

/** One or more certificates (a CA bundle, or a client certificate followed by its chain). */
function readCertificates(flag: string, file: string, cwd: string, out: Output): { pem: string; leaf: X509Certificate } {
  const data = readFile(flag, file, cwd);
  const text = data.toString('latin1');
  const labels = pemLabels(text);
  // A combined file (certificate + key): its key is as secret as --key's.
  for (const m of text.matchAll(PEM_BLOCK)) if (m[1]!.endsWith('PRIVATE KEY')) redactKey(m[0], out);
  const notCert = (what: string, hint: string): InputError => new InputError(`${flag} ${file}: ${what}, not a certificate`, [], { hint });
  if (labels.length === 0) {
    // No PEM armour: DER, as `certs` writes for the ESP8266 (.der), or not a certificate at all.
    try {
      const cert = new X509Certificate(data);
      return { pem: cert.toString(), leaf: cert };
    } catch {
      throw notCert('neither a PEM nor a DER certificate', `give an X.509 certificate file (PEM: starts with -----BEGIN CERTIFICATE-----), e.g. ${flag === '--cafile' ? 'certs/ca.pem' : 'certs/registries/reg-1.pem'}`);
    }
  }
  const certs = [...text.matchAll(PEM_BLOCK)].filter((m) => m[1] === 'CERTIFICATE').map((m) => m[0]);
  if (certs.length === 0) {
    const isKey = labels.some((l) => l.endsWith('PRIVATE KEY'));
    throw notCert(
      isKey ? 'it holds a private key' : `it holds ${labels[0]}`,
      isKey ? (flag === '--cert' ? 'swap them: the certificate (.pem) goes to --cert, its key (.key) to --key' : 'give the CA certificate (certs/ca.pem), never a key') : 'give an X.509 certificate file (-----BEGIN CERTIFICATE-----)',
    );
  }
  const parsed = certs.map((pem, i) => {
    try {
      return new X509Certificate(pem);
    } catch (cause) {
      throw new InputError(`${flag} ${file}: certificate ${i + 1} of ${certs.length} is damaged (${(cause as Error).message})`, [], { cause, hint: 'copy the file again, or issue it again (mpy-iot certs …)' });
    }
  });
  return { pem: certs.join('\n') + '\n', leaf: parsed[0]! };
}

/** An unencrypted private key, PEM (PKCS#8, PKCS#1, SEC1) or DER; returned as PKCS#8 PEM. */
function readKey(flag: string, file: string, cwd: string, out: Output): { pem: string; object: KeyObject } {
  const data = readFile(flag, file, cwd);
  const text = data.toString('latin1');
  // Before anything can echo it: the file as read, and each line of it (a fragment in an error).
  redactKey(text, out);
  const labels = pemLabels(text);
  const notKey = (what: string, hint: string): InputError => new InputError(`${flag} ${file}: ${what}`, [], { hint });
  if (labels.includes('ENCRYPTED PRIVATE KEY') || /Proc-Type: 4,ENCRYPTED/.test(text)) {
    throw notKey('the key is encrypted with a passphrase, which mpy-iot cannot ask for', `decrypt a copy and keep it private: openssl pkey -in ${file} -out ${file}.plain && chmod 600 ${file}.plain`);
  }
  if (labels.length > 0 && !labels.some((l) => l.endsWith('PRIVATE KEY'))) {
    const isCert = labels.includes('CERTIFICATE');
    throw notKey(isCert ? 'it holds a certificate, not a private key' : `it holds ${labels[0]}, not a private key`, isCert ? 'swap them: the certificate (.pem) goes to --cert, its key (.key) to --key' : 'give the private key (-----BEGIN PRIVATE KEY-----), e.g. certs/registries/reg-1.key');
  }
  let object: KeyObject | undefined;
  if (labels.length > 0) {
    try {
      // Only the key's block: a combined file (certificate + key, as some tools write) reads too.
      object = createPrivateKey([...text.matchAll(PEM_BLOCK)].find((m) => m[1]!.endsWith('PRIVATE KEY'))![0]);
    } catch (cause) {
      // Node's message may quote nothing of the key, but keep it in the cause (shown with --verbose, redacted).
      throw new InputError(`${flag} ${file}: the private key cannot be read (damaged?)`, [], { cause, hint: 'copy the file again, or issue the certificate again (mpy-iot certs registry <id> --force)' });
    }
  } else {
    // DER, as `certs` writes it for the ESP8266 (.key.der: PKCS#1), or PKCS#8 / SEC1.
    for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
      try {
        object = createPrivateKey({ key: data, format: 'der', type });
        break;
      } catch {
        // Try the next encoding.
      }
    }
    if (!object) throw notKey('neither a PEM nor a DER private key', 'give the unencrypted private key made with the certificate, e.g. certs/registries/reg-1.key');
  }
  const pem = object.export({ format: 'pem', type: 'pkcs8' }).toString();
  redactKey(pem, out);
  return { pem, object };
}

/** The key text and each of its base64 lines (not the -----BEGIN----- armour, which is no secret). */
function redactKey(text: string, out: Output): void {
  out.redactor.add(text);
  for (const line of text.split(/\r?\n/)) if (/^[A-Za-z0-9+/=]{16,}$/.test(line)) out.redactor.add(line);
}
