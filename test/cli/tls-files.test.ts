// --cafile/--cert/--key as files: what an operator may hand the CLI (PEM, the DER `certs` writes
// for the ESP8266, a combined certificate+key file, a CA bundle) reaches mqtt.js as the same PEM,
// and what it cannot use (a passphrase-protected key, ws:// with TLS files, not a certificate at
// all) is refused as bad input before any connection. The broker side is test/iot-core/operator-mtls.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { initCertificates, issueClient } from '../../tools/certs/index.ts';
import { REDACTED } from '../../tools/config/secrets.ts';
import { InputError } from '../../tools/errors.ts';
import { createOutput } from '../../tools/cli/io.ts';
import { readTlsFiles, type TlsArgs } from '../../tools/cli/tlsOptions.ts';
import { brokerConnection } from '../../tools/cli/harnessView.ts';
import { loadProject } from '../../tools/config/index.ts';
import { labProjectJson, runCli, tempDir } from '../helpers/cli.ts';

let dir: string;
const TLS_URL = 'mqtts://127.0.0.1:8883';
const output = () => createOutput({ stdout: () => undefined, stderr: () => undefined, cwd: dir, env: {}, isTTY: false }, { json: false, verbose: false, color: false });
const read = (args: TlsArgs, url = TLS_URL) => readTlsFiles(args, url, dir, output());
const text = (file: string): string => readFileSync(path.join(dir, file), 'utf8');
const refused = (args: TlsArgs, message: RegExp, url = TLS_URL): void => {
  assert.throws(() => read(args, url), (error: unknown) => error instanceof InputError && error.exitCode === 2 && message.test(error.message) && Boolean(error.hint));
};

before(async () => {
  dir = tempDir();
  await initCertificates(path.join(dir, 'certs'));
  await issueClient(path.join(dir, 'certs'), 'registry', 'reg-1');
});

test('PEM and DER files give mqtt.js the same certificate and key', () => {
  const pem = read({ cafile: 'certs/ca.pem', cert: 'certs/registries/reg-1.pem', key: 'certs/registries/reg-1.key' });
  const der = read({ cafile: 'certs/ca.der', cert: 'certs/registries/reg-1.der', key: 'certs/registries/reg-1.key.der' });
  assert.equal(new X509Certificate(der.ca!).fingerprint256, new X509Certificate(text('certs/ca.pem')).fingerprint256);
  assert.equal(new X509Certificate(der.cert!).fingerprint256, new X509Certificate(pem.cert!).fingerprint256);
  assert.equal(der.key, pem.key);
  assert.match(pem.key!, /^-----BEGIN PRIVATE KEY-----/);
});

test('a combined certificate+key file serves as --cert and --key; a CA bundle is passed whole', () => {
  writeFileSync(path.join(dir, 'combined.pem'), text('certs/registries/reg-1.pem') + text('certs/registries/reg-1.key'));
  const files = read({ cert: 'combined.pem', key: 'combined.pem' });
  assert.equal(new X509Certificate(files.cert!).subject, 'CN=reg-1');
  assert.doesNotMatch(files.cert!, /PRIVATE KEY/, 'only the certificate goes in as the certificate');
  writeFileSync(path.join(dir, 'bundle.pem'), text('certs/ca.pem') + text('certs/broker.pem'));
  assert.equal(read({ cafile: 'bundle.pem' }).ca!.match(/BEGIN CERTIFICATE/g)?.length, 2);
});

test('every line of the key read is redacted from output', () => {
  const out = output();
  readTlsFiles({ cert: 'certs/registries/reg-1.pem', key: 'certs/registries/reg-1.key' }, TLS_URL, dir, out);
  const line = text('certs/registries/reg-1.key').split('\n')[3]!;
  assert.equal(out.redactor.redact(`said: ${line}`), `said: ${REDACTED}`);
  assert.equal(out.redactor.redact('-----BEGIN PRIVATE KEY-----'), '-----BEGIN PRIVATE KEY-----', 'the armour is no secret');
});

test('what cannot be used is bad input naming the flag and the file', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret-passphrase' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  writeFileSync(path.join(dir, 'locked.key'), privateKey);
  refused({ cert: 'certs/registries/reg-1.pem', key: 'locked.key' }, /^--key locked\.key: the key is encrypted with a passphrase/);
  writeFileSync(path.join(dir, 'noise.bin'), randomBytes(300));
  refused({ cafile: 'noise.bin' }, /^--cafile noise\.bin: neither a PEM nor a DER certificate, not a certificate/);
  refused({ cert: 'certs/registries/reg-1.pem', key: 'noise.bin' }, /^--key noise\.bin: neither a PEM nor a DER private key/);
  refused({ cert: 'certs/registries/reg-1.pem', key: 'certs/ca.pem' }, /^--key certs\/ca\.pem: it holds a certificate, not a private key/);
  refused({ cafile: 'certs' }, /^--cafile certs: cannot read it \(it is a folder\)/);
  refused({ cafile: 'certs/ca.pem' }, /^--cafile is for a TLS broker, but the broker URL ws:\/\/127\.0\.0\.1:9001 is ws:\/\/ \(no TLS\)/, 'ws://127.0.0.1:9001');
  assert.ok(read({ cafile: 'certs/ca.pem' }, 'wss://127.0.0.1:9001').ca);
  assert.deepEqual(read({}, 'mqtt://127.0.0.1:1883'), {}, 'no flags: nothing, whatever the URL');
});

test("with --cert the certificate logs in, not the project's device account; without it the account is used as before", () => {
  writeFileSync(path.join(dir, 'mpy-iot.json'), JSON.stringify(labProjectJson({ defaults: { board: 'esp32', wifi: { ssid: 'lab-wifi', password: 'wifi-secret-123' }, mqtt: { url: 'mqtts://127.0.0.1:8883', username: 'dev-1', password: 'device-secret-1' }, telemetry: { topics: ['DATA/{mac}'] } } })));
  const project = loadProject({ project: dir, env: {} });
  const withCert = brokerConnection({ cafile: 'certs/ca.pem', cert: 'certs/registries/reg-1.pem', key: 'certs/registries/reg-1.key' }, project, output(), { cwd: dir });
  assert.equal(withCert.mqttOptions.username, undefined);
  assert.equal(withCert.mqttOptions.password, undefined);
  assert.equal(new X509Certificate(withCert.mqttOptions.cert as string).subject, 'CN=reg-1');
  const explicit = brokerConnection({ cert: 'certs/registries/reg-1.pem', key: 'certs/registries/reg-1.key', username: 'operator', password: 'op-secret-1' }, project, output(), { cwd: dir });
  assert.deepEqual([explicit.mqttOptions.username, explicit.mqttOptions.password], ['operator', 'op-secret-1']);
  const withoutCert = brokerConnection({ cafile: 'certs/ca.pem' }, project, output(), { cwd: dir });
  assert.deepEqual([withoutCert.mqttOptions.username, withoutCert.mqttOptions.password], ['dev-1', 'device-secret-1']);
});

test('a key pasted as the value of --key (not its path) is refused and never echoed, on stderr or in --json', async () => {
  const key = text('certs/registries/reg-1.key');
  const base64 = key.split('\n').filter((l) => !l.startsWith('-----')).join('');
  for (const [value, extra] of [[key, []], [key, ['--json']], [base64, ['--verbose']]] as const) {
    const run = await runCli(['verify', '-t', 'DATA/#', '-b', TLS_URL, '--cert', 'certs/registries/reg-1.pem', `--key=${value}`, '--duration', '1s', ...extra], { cwd: dir });
    const printed = run.stdout + run.stderr;
    assert.equal(run.code, 2, printed);
    assert.match(printed, /--key: the value is a key or certificate itself, not the path of its file/);
    for (const line of key.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) assert.ok(!printed.includes(line), 'no line of the key is printed');
    assert.ok(!printed.includes(base64.slice(0, 64)), 'nor its base64');
  }
});
