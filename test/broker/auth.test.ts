// Login outcomes as MQTT.js reports them: the CONNACK return code (4 bad user name or password,
// 5 not authorized), plus the 'refused' event naming why, and the 'client-connected' identity.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type RunningBroker } from '../../tools/broker/index.ts';
import { OPERATOR, ROSTER, as } from './fixtures.ts';
import { eventLog, grantedQos, open, openOrThrow, type EventLog } from './helpers.ts';

const plainLog = eventLog();
const iotLog = eventLog();
let plain: RunningBroker;
let iot: RunningBroker;
let open_: RunningBroker;

before(async () => {
  plain = await startBroker({ port: 0, users: [{ username: 'alice', password: 'wonderland' }], onEvent: plainLog.onEvent });
  iot = await startBroker({
    port: 0,
    iotCore: { ...ROSTER, devices: [...ROSTER.devices, { id: 'certOnly', registryId: 'R' }] },
    users: [OPERATOR],
    onEvent: iotLog.onEvent,
  });
  open_ = await startBroker({ port: 0 });
});
after(() => Promise.all([plain.close(), iot.close(), open_.close()]));

const ruleFor = (log: EventLog, clientId: string): string | undefined =>
  log.refusals().find((e) => e.clientId === clientId && e.action === 'connect')?.rule;

const cases: { name: string; broker: () => RunningBroker; log: EventLog; user?: string; password?: string; code: number; rule: RegExp }[] = [
  { name: 'plain: wrong password', broker: () => plain, log: plainLog, user: 'alice', password: 'nope', code: 4, rule: /^wrong password for user 'alice'$/ },
  { name: 'plain: unknown user', broker: () => plain, log: plainLog, user: 'mallory', password: 'x', code: 4, rule: /^unknown user 'mallory'$/ },
  { name: 'plain: anonymous', broker: () => plain, log: plainLog, code: 5, rule: /anonymous clients are refused/ },
  { name: 'IoT Core: wrong device password', broker: () => iot, log: iotLog, user: 'A', password: 'wrong', code: 4, rule: /wrong password for device 'A'/ },
  { name: 'IoT Core: wrong registry password', broker: () => iot, log: iotLog, user: 'R', password: 'wrong', code: 4, rule: /wrong password for registry 'R'/ },
  { name: 'IoT Core: unknown id', broker: () => iot, log: iotLog, user: 'Z', password: 'whatever', code: 4, rule: /'Z' is not a known device or registry id/ },
  { name: 'IoT Core: id without password', broker: () => iot, log: iotLog, user: 'A', code: 4, rule: /gave no password and presented no client certificate/ },
  { name: 'IoT Core: password login to a certificate-only device', broker: () => iot, log: iotLog, user: 'certOnly', password: 'x', code: 4, rule: /has no password registered/ },
  { name: 'IoT Core: anonymous', broker: () => iot, log: iotLog, code: 5, rule: /refuses anonymous clients/ },
];

for (const c of cases) {
  test(`${c.name} → CONNACK ${c.code}, reported with its rule`, async () => {
    const clientId = `auth-${cases.indexOf(c)}`;
    const opened = await open(c.broker().url, { clientId, ...(c.user ? { username: c.user } : {}), ...(c.password ? { password: c.password } : {}) });
    assert.equal(opened.ok, false);
    assert.equal(!opened.ok && opened.code, c.code);
    assert.match(ruleFor(c.log, clientId) ?? '(no refused event)', c.rule);
  });
}

test('plain: the right password connects and is reported with the username', async () => {
  await openOrThrow(plain.url, { username: 'alice', password: 'wonderland', clientId: 'alice-1' });
  const connected = await plainLog.waitFor('client-connected', 'alice-1');
  assert.match(connected.remote, /^127\.0\.0\.1:\d+$/);
  assert.deepEqual({ ...connected, remote: 'checked' }, {
    type: 'client-connected',
    clientId: 'alice-1',
    username: 'alice',
    identity: { kind: 'user', id: 'alice', via: 'password' },
    remote: 'checked',
  });
});

test('IoT Core: a device login is reported with its identity; disconnect is reported too', async () => {
  const client = await openOrThrow(iot.url, { ...as('B'), clientId: 'dev-B' });
  const connected = await iotLog.waitFor('client-connected', 'dev-B');
  assert.deepEqual(connected.identity, { kind: 'device', id: 'B', registryId: 'R', via: 'password' });
  await client.endAsync();
  await iotLog.waitFor('client-disconnected', 'dev-B');
});

test('IoT Core: an operator account is not bound by the topic rules', async () => {
  const operator = await openOrThrow(iot.url, OPERATOR);
  assert.equal(await grantedQos(operator, '$devices/+/events'), 1);
  assert.equal(await grantedQos(operator, 'DATA/#'), 1);
});

test('with neither users nor IoT Core, anyone may connect', async () => {
  await openOrThrow(open_.url);
  await openOrThrow(open_.url, { username: 'anything', password: 'goes' });
});
