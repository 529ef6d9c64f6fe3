// IoT Core's per-device rate (1 msg/s, bursts of 5 here): messages over it are dropped, the sender
// keeps its connection and gets its PUBACKs, each drop is reported; devices have their own budgets.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type RunningBroker } from '../../tools/broker/index.ts';
import { createRateLimiter } from '../../tools/broker/iot-core.ts';
import { OPERATOR, ROSTER, as } from './fixtures.ts';
import { delay, eventLog, openOrThrow, publishOutcome, record, unique } from './helpers.ts';

const log = eventLog();
let broker: RunningBroker;

before(async () => {
  broker = await startBroker({ port: 0, iotCore: ROSTER, users: [OPERATOR], onEvent: log.onEvent });
});
after(() => broker.close());

test('the token bucket: a burst of 5, then 1 per second', () => {
  let now = 0;
  const limiter = createRateLimiter({ perSecond: 1, burst: 5 }, () => now);
  const burst = Array.from({ length: 8 }, () => limiter.take('A'));
  assert.deepEqual(burst, [true, true, true, true, true, false, false, false]);
  assert.equal(limiter.take('B'), true, 'another device has its own budget');
  now += 999;
  assert.equal(limiter.take('A'), false);
  now += 1;
  assert.equal(limiter.take('A'), true);
  now += 60_000;
  assert.deepEqual(Array.from({ length: 6 }, () => limiter.take('A')), [true, true, true, true, true, false], 'a quiet minute refills only up to the burst');
});

test('a device publishing 12 messages at once: 5 delivered, 7 dropped and reported, all acked, connection kept', async () => {
  const operator = await openOrThrow(broker.url, { ...OPERATOR, clientId: 'rate-operator' });
  const seen = record(operator);
  await operator.subscribeAsync('$devices/#', { qos: 1 });
  const device = await openOrThrow(broker.url, { ...as('A'), clientId: 'rate-A' });
  const payloads = Array.from({ length: 12 }, () => unique('burst'));
  // All 12 in flight at once (in order): awaited one by one they could span a refill on a busy machine.
  const outcomes = await Promise.all(payloads.map((payload) => publishOutcome(device, '$devices/A/events', payload)));
  assert.deepEqual(outcomes, payloads.map(() => 'acked'));
  assert.equal(device.connected, true);
  await seen.waitFor(payloads[4]!);
  assert.equal(await seen.never(payloads[5]!, 300), true);
  assert.deepEqual(seen.messages.filter((m) => payloads.includes(m.payload)).map((m) => m.payload), payloads.slice(0, 5));
  const drops = log.refusals().filter((e) => e.clientId === 'rate-A');
  assert.equal(drops.length, 7);
  assert.match(drops[0]!.rule, /at most 1 message per second per device \(bursts of 5\); this one was dropped, the connection kept/);

  // B is not slowed down by A.
  const b = await openOrThrow(broker.url, { ...as('B'), clientId: 'rate-B' });
  const fromB = unique('from-B');
  assert.equal(await publishOutcome(b, '$devices/B/events', fromB), 'acked');
  await seen.waitFor(fromB);

  // A second later A may send one more.
  await delay(1100);
  const later = unique('later');
  assert.equal(await publishOutcome(device, '$devices/A/state', later), 'acked');
  await seen.waitFor(later);
  await Promise.all([operator.endAsync(), device.endAsync(), b.endAsync()]);
});

test('operators and registries are not limited per device; rateLimit: false turns the limit off', async () => {
  const operator = await openOrThrow(broker.url, { ...OPERATOR, clientId: 'rate-op2' });
  const registry = await openOrThrow(broker.url, { ...as('R'), clientId: 'rate-R' });
  const device = await openOrThrow(broker.url, { ...as('B'), clientId: 'rate-B2' });
  const got = record(device);
  await device.subscribeAsync('$devices/B/commands', { qos: 1 });
  const commands = Array.from({ length: 8 }, () => unique('cmd'));
  for (const c of commands) assert.equal(await publishOutcome(c.endsWith('0') ? operator : registry, '$devices/B/commands', c), 'acked');
  await got.waitFor(commands.at(-1)!);
  assert.equal(got.messages.length, 8);

  const unlimited = await startBroker({ port: 0, iotCore: { ...ROSTER, rateLimit: false } });
  after(() => unlimited.close());
  const fast = await openOrThrow(unlimited.url, { ...as('C'), clientId: 'fast-C' });
  const watcher = await openOrThrow(unlimited.url, { ...as('R2'), clientId: 'watch-R2' });
  const all = record(watcher);
  await watcher.subscribeAsync('$devices/C/events', { qos: 1 });
  const many = Array.from({ length: 10 }, () => unique('fast'));
  for (const p of many) await publishOutcome(fast, '$devices/C/events', p);
  await all.waitFor(many.at(-1)!);
  assert.equal(all.messages.length, 10);
  await Promise.all([operator.endAsync(), registry.endAsync(), device.endAsync(), fast.endAsync(), watcher.endAsync()]);
});
