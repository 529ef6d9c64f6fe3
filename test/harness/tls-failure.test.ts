// A TLS handshake failure becomes words an operator can act on (and makes watch/verify fail at
// once instead of after the connect timeout): every code Node reports for an untrusted, misused
// or revoked broker certificate is recognised; other errors are not TLS's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tlsFailure } from '../../tools/harness/client.ts';

const failure = (code: string) => tlsFailure(Object.assign(new Error(`${code.toLowerCase()} from OpenSSL`), { code }));

test('untrusted broker certificates, whatever OpenSSL calls them, point at --cafile', () => {
  for (const code of ['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_UNTRUSTED', 'CERT_REJECTED']) {
    const said = failure(code);
    assert.ok(said, code);
    assert.match(said.reason, /not signed by a CA this computer trusts/, code);
    assert.match(said.hint, /--cafile/, code);
  }
});

test('a client certificate given to the broker, a revoked one, an expired one: each named', () => {
  assert.match(failure('INVALID_PURPOSE')!.reason, /not one for a server/);
  assert.match(failure('CERT_REVOKED')!.reason, /revoked/);
  assert.match(failure('CERT_HAS_EXPIRED')!.reason, /expired/);
});

test('errors that are not TLS failures are left to the caller', () => {
  assert.equal(failure('ECONNREFUSED'), null);
  assert.equal(tlsFailure(new Error('plain')), null);
});
