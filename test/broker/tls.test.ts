// mTLS in IoT Core mode: a certificate identifies a device (by pinned fingerprint, or by CN when
// our CA signed it) and brings that device's permissions; unknown certificates are refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IClientOptions } from 'mqtt';
import { startBroker, type RunningBroker } from '../../tools/broker/index.ts';
import { makeCerts, type CertFactory, type Pem } from './certs.ts';
import { ROSTER, as } from './fixtures.ts';
import { eventLog, grantedQos, open, openOrThrow, publishOutcome, record, unique } from './helpers.ts';

const log = eventLog();
// Made at load time: makeCerts() registers its temp-dir cleanup with after(), which must belong to the file, not a hook.
const certs: CertFactory = makeCerts();
const pinnedB: Pem = certs.selfSigned('whatever-B'); // IoT Core style: a self-signed certificate registered to B
let broker: RunningBroker;

before(async () => {
  const devices = ROSTER.devices.map((d) => (d.id === 'B' ? { ...d, certFingerprint: pinnedB.fingerprint256 } : d));
  broker = await startBroker({
    port: 0,
    tls: { port: 0, cert: certs.server.cert, key: certs.server.key, ca: certs.ca.cert, requestClientCert: true },
    iotCore: { ...ROSTER, devices },
    onEvent: log.onEvent,
  });
});
after(() => broker.close());

/** Verifies the server against our CA (hostname 127.0.0.1 is in its SAN) and optionally presents a client certificate. */
const tlsOptions = (client?: Pem, extra: IClientOptions = {}): IClientOptions => ({
  ca: certs.ca.cert,
  rejectUnauthorized: true,
  ...(client ? { cert: client.cert, key: client.key } : {}),
  ...extra,
});

test('the TLS listener is announced and reported in the handle', () => {
  assert.match(broker.tlsUrl ?? '', /^mqtts:\/\/127\.0\.0\.1:\d+$/);
  assert.ok(log.events.some((e) => e.type === 'listening' && e.protocol === 'mqtts' && e.url === broker.tlsUrl));
});

test("a CA-signed certificate with CN 'A' and no password logs in as device A with A's permissions", async () => {
  const a = await openOrThrow(broker.tlsUrl!, tlsOptions(certs.signed('A'), { clientId: 'cert-A' }));
  const connected = await log.waitFor('client-connected', 'cert-A');
  assert.deepEqual(connected.identity, { kind: 'device', id: 'A', registryId: 'R', via: 'certificate' });
  // A's own topics work, B's do not: the certificate carries exactly A's rights.
  assert.equal(await grantedQos(a, '$devices/A/commands'), 1);
  assert.equal(await grantedQos(a, '$devices/B/commands'), 128);
  const registry = await openOrThrow(broker.url, as('R'));
  const got = record(registry);
  await registry.subscribeAsync('$devices/A/events', { qos: 1 });
  const payload = unique('over-tls');
  assert.equal(await publishOutcome(a, '$devices/A/events', payload), 'acked');
  await got.waitFor(payload);
  assert.equal(await publishOutcome(a, '$devices/B/events', 'not mine'), 'closed');
});

test('a self-signed certificate whose fingerprint is registered to B logs in as B', async () => {
  await openOrThrow(broker.tlsUrl!, tlsOptions(pinnedB, { clientId: 'cert-B' }));
  const connected = await log.waitFor('client-connected', 'cert-B');
  assert.deepEqual(connected.identity, { kind: 'device', id: 'B', registryId: 'R', via: 'certificate' });
});

test('a self-signed certificate claiming CN A is refused: a CN counts only when our CA signed it', async () => {
  const opened = await open(broker.tlsUrl!, tlsOptions(certs.selfSigned('A'), { clientId: 'fake-A' }));
  assert.deepEqual(opened.ok ? 'connected' : opened.code, 5);
  assert.match(log.refusals().find((e) => e.clientId === 'fake-A')?.rule ?? '', /CN 'A', not signed by our CA: DEPTH_ZERO_SELF_SIGNED_CERT\) matches no registered fingerprint/);
});

test('a CA-signed certificate for an unknown id is refused with CONNACK 5', async () => {
  const opened = await open(broker.tlsUrl!, tlsOptions(certs.signed('stranger'), { clientId: 'stranger' }));
  assert.deepEqual(opened.ok ? 'connected' : opened.code, 5);
  assert.match(log.refusals().find((e) => e.clientId === 'stranger')?.rule ?? '', /CN 'stranger', signed by our CA/);
});

test('the password takes precedence over the certificate', async () => {
  // A's certificate with B's good password: logged in as B.
  await openOrThrow(broker.tlsUrl!, tlsOptions(certs.signed('A'), { ...as('B'), clientId: 'pw-over-cert' }));
  assert.equal((await log.waitFor('client-connected', 'pw-over-cert')).identity?.id, 'B');
  // A's certificate with a wrong password: refused, the certificate does not rescue it.
  const opened = await open(broker.tlsUrl!, tlsOptions(certs.signed('A'), { username: 'A', password: 'wrong', clientId: 'bad-pw' }));
  assert.deepEqual(opened.ok ? 'connected' : opened.code, 4);
});

test('over TLS without a client certificate, a password login still works; anonymous does not', async () => {
  await openOrThrow(broker.tlsUrl!, tlsOptions(undefined, as('R')));
  const opened = await open(broker.tlsUrl!, tlsOptions());
  assert.deepEqual(opened.ok ? 'connected' : opened.code, 5);
});
