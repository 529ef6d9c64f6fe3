// A certificate login by CN is for ids with no registered certificate: once one is registered (a
// device re-issued after a leaked key), an older CA-signed certificate with the same CN is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthenticator } from '../../tools/broker/auth.ts';
import { buildIotCoreModel } from '../../tools/broker/iot-core.ts';

const CURRENT = 'aa'.repeat(32);
const OLD = 'bb'.repeat(32);

const authenticate = createAuthenticator({
  iotCore: buildIotCoreModel({ devices: [{ id: 'dev-1', certFingerprint: CURRENT }, { id: 'dev-2' }], registries: [] }),
});
const login = (cn: string, fingerprint256: string, verified = true) => authenticate({ cert: { cn, fingerprint256, verified } });

test('the registered certificate logs dev-1 in; a superseded one signed by the same CA is refused by name', () => {
  assert.deepEqual(login('dev-1', CURRENT), { ok: true, identity: { kind: 'device', id: 'dev-1', registryId: null, via: 'certificate' } });
  const old = login('dev-1', OLD);
  assert.equal(old.ok, false);
  assert.match(!old.ok ? old.rule : '', /not the one registered for 'dev-1'/);
});

test('a device with no registered certificate is still known by the CN our CA vouches for, never by a self-signed one', () => {
  assert.equal(login('dev-2', OLD).ok, true);
  assert.equal(login('dev-2', OLD, false).ok, false);
});
