// `mpy-iot broker --tls-ca` says mTLS, so without --iot-core its mqtts:// listener lets in only a
// client whose certificate the CA signed (mosquitto's require_certificate); with --iot-core a
// certificate is asked for, not required: a password login still works, as in the cloud.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { IClientOptions } from 'mqtt';
import { requiredCertRefusal } from '../../tools/broker/auth.ts';
import { startBroker } from '../../tools/broker/index.ts';
import { InputError } from '../../tools/errors.ts';
import { brokerCli } from '../helpers/brokerCli.ts';
import { runCli, tempDir } from '../helpers/cli.ts';
import { until } from '../helpers/until.ts';
import { makeCerts, type Pem } from './certs.ts';
import { open } from './helpers.ts';

const certs = makeCerts();

/** The server is verified against the CA in every case: only the client side changes. */
const client = (clientId: string, pem?: Pem, extra: IClientOptions = {}): IClientOptions => ({
  ca: certs.ca.cert,
  rejectUnauthorized: true,
  clientId,
  ...(pem ? { cert: pem.cert, key: pem.key } : {}),
  ...extra,
});

function tlsFiles(): { dir: string; flags: string[] } {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'server.pem'), certs.server.cert);
  writeFileSync(path.join(dir, 'server.key'), certs.server.key);
  writeFileSync(path.join(dir, 'ca.pem'), certs.ca.cert);
  return { dir, flags: ['--tls-cert', 'server.pem', '--tls-key', 'server.key', '--tls-ca', 'ca.pem'] };
}

test('broker --tls-ca (no --iot-core): no certificate, or one the CA did not sign → CONNACK 5 with the reason logged; a CA-signed one gets in', { timeout: 60_000 }, async () => {
  const { dir, flags } = tlsFiles();
  const broker = await brokerCli(flags, dir);
  try {
    const without = await open(broker.tlsUrl, client('no-cert'));
    assert.deepEqual(without.ok ? 'connected' : without.code, 5, 'a client without a certificate got in');
    const selfSigned = await open(broker.tlsUrl, client('self-signed', certs.selfSigned('student')));
    assert.deepEqual(selfSigned.ok ? 'connected' : selfSigned.code, 5, 'a self-signed certificate got in');
    const signed = await open(broker.tlsUrl, client('ca-signed', certs.signed('teacher')));
    assert.ok(signed.ok, signed.ok ? '' : `${signed.code} ${signed.message}`);
    await until(() => /no-cert: connect refused — this TLS listener requires a client certificate \(mTLS, --tls-ca\) and the client presented none/.test(broker.log()), 'the refusal of no-cert logged');
    await until(() => /self-signed: connect refused — the client certificate \(CN 'student'\) is not signed by the --tls-ca CA \(DEPTH_ZERO_SELF_SIGNED_CERT\)/.test(broker.log()), 'the refusal of self-signed logged');
    await until(() => /\+ ca-signed from/.test(broker.log()), 'ca-signed connected');
  } finally {
    const done = await broker.stop();
    assert.equal(done.code, 130);
  }
});

test('broker --tls-ca with --users: the certificate is required and the password still checked', { timeout: 60_000 }, async () => {
  const { dir, flags } = tlsFiles();
  writeFileSync(path.join(dir, 'users.txt'), 'teacher:s3cret-pass\n');
  const broker = await brokerCli([...flags, '--users', 'users.txt'], dir);
  try {
    const passwordOnly = await open(broker.tlsUrl, client('pw-only', undefined, { username: 'teacher', password: 's3cret-pass' }));
    assert.deepEqual(passwordOnly.ok ? 'connected' : passwordOnly.code, 5, 'a password let a client without a certificate in');
    const wrongPassword = await open(broker.tlsUrl, client('wrong-pw', certs.signed('teacher'), { username: 'teacher', password: 'nope' }));
    assert.deepEqual(wrongPassword.ok ? 'connected' : wrongPassword.code, 4);
    const both = await open(broker.tlsUrl, client('both', certs.signed('teacher'), { username: 'teacher', password: 's3cret-pass' }));
    assert.ok(both.ok, both.ok ? '' : `${both.code} ${both.message}`);
    assert.ok(!broker.log().includes('s3cret-pass'), 'the password was printed');
  } finally {
    await broker.stop();
  }
});

test('broker --iot-core --tls-ca: a certificate is asked for, not required — an account logs in by password over mqtts://', { timeout: 60_000 }, async () => {
  const root = tempDir();
  const dir = path.join(root, 'fleet');
  assert.equal((await runCli(['init', 'fleet', '--template', 'iot-core'], { cwd: root })).code, 0);
  for (const args of [['certs', 'init'], ['certs', 'device', 'dev-1'], ['certs', 'device', 'dev-2']]) assert.equal((await runCli(args, { cwd: dir })).code, 0, args.join(' '));
  const { dir: files, flags } = tlsFiles();
  writeFileSync(path.join(dir, 'users.txt'), 'operator:op-pass-123\n');
  const absolute = flags.map((f) => (f.startsWith('--') ? f : path.join(files, f)));
  const broker = await brokerCli(['--iot-core', ...absolute, '--users', 'users.txt'], dir);
  try {
    const byPassword = await open(broker.tlsUrl, client('operator-pw', undefined, { username: 'operator', password: 'op-pass-123' }));
    assert.ok(byPassword.ok, byPassword.ok ? '' : `${byPassword.code} ${byPassword.message}`);
    const anonymous = await open(broker.tlsUrl, client('anon'));
    assert.deepEqual(anonymous.ok ? 'connected' : anonymous.code, 5, 'IoT Core refuses anonymous clients');
    await until(() => /anon: connect refused — IoT Core refuses anonymous clients/.test(broker.log()), 'the IoT Core refusal logged');
  } finally {
    await broker.stop();
  }
});

test('the certificate rule itself: none, expired, not yet valid, another CA → refused with the reason; a CA-signed one in date → in', () => {
  const cert = { fingerprint256: 'AA', cn: 'dev-1', verified: true };
  assert.equal(requiredCertRefusal(cert), null);
  const rule = (c: Parameters<typeof requiredCertRefusal>[0]): string => {
    const result = requiredCertRefusal(c);
    assert.ok(result && !result.ok, 'refused');
    assert.equal(result.returnCode, 5);
    return result.rule;
  };
  assert.match(rule(undefined), /requires a client certificate \(mTLS, --tls-ca\) and the client presented none/);
  assert.match(rule({ ...cert, expired: 'Jan  1 00:00:00 2025 GMT' }), /^the client certificate \(CN 'dev-1'\) expired on Jan {2}1 00:00:00 2025 GMT; issue a new one$/);
  assert.match(rule({ ...cert, notYetValid: 'Jan  1 00:00:00 2099 GMT' }), /not valid before Jan {2}1 00:00:00 2099 GMT \(is the clock right\?\)/);
  assert.match(rule({ ...cert, cn: null, verified: false, problem: 'SELF_SIGNED_CERT_IN_CHAIN' }), /\(no CN\) is not signed by the --tls-ca CA \(SELF_SIGNED_CERT_IN_CHAIN\)/);
});

test('a listener that requires client certificates without a CA to check them against is refused before any port opens', async () => {
  await assert.rejects(startBroker({ port: 0, tls: { port: 0, cert: certs.server.cert, key: certs.server.key, requireClientCert: true } }), (error: unknown) => {
    assert.ok(error instanceof InputError);
    assert.match(error.message, /requireClientCert needs a ca/);
    return true;
  });
});
