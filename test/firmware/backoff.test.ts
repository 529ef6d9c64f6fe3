import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFirmware } from './firmware-vm.ts';

test('backoff grows exponentially from base, is capped at max, and is deterministic for a given rand', async () => {
  const vm = await startFirmware();
  const out = vm.py(`
from mpyiot.link import backoff_ms
print([backoff_ms(n, 1000, 60000, lambda: 0.0) for n in range(10)])
print([backoff_ms(n, 1000, 60000, lambda: 0.999999) for n in range(10)])
print([backoff_ms(n, 1000, 60000, lambda: 0.5) for n in (0, 3, 6, 1000)])
`);
  assert.deepEqual(JSON.parse(out[0]!), [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
  assert.deepEqual(JSON.parse(out[1]!), [999, 1999, 3999, 7999, 15999, 31999, 59999, 59999, 59999, 59999]);
  assert.deepEqual(JSON.parse(out[2]!), [750, 6000, 45000, 45000]);
});

test('jitter stays within [cap/2, cap] with the real random source', async () => {
  const vm = await startFirmware();
  const out = vm.py(`
from mpyiot.link import backoff_ms
from mpyiot.app import rand
bad = 0
seen = set()
for i in range(2000):
    n = i % 9
    cap = min(60000, 1000 * 2 ** n)
    d = backoff_ms(n, 1000, 60000, rand)
    if not (cap // 2 <= d <= cap):
        bad += 1
    if n == 8:
        seen.add(d)
    r = rand()
    if not (0 <= r < 1):
        bad += 1
print(bad, len(seen) > 50)
`);
  assert.deepEqual(out, ['0 True']);
});

test('the app backs off between failed connects and resets the attempt count after success', async () => {
  const vm = await startFirmware();
  const out = vm.py(`
import time, config, umqtt.simple as fake
from mpyiot.app import App
clk = [0]
a = App(config)
a.ticks = lambda: clk[0]
a.sleep_ms = lambda ms: None
a.rand = lambda: 0.0
a.start()
fake.script["fail_connects"] = 4
times = []
for t in range(0, 40000, 50):
    clk[0] = t
    n = len([e for e in fake.log if e[0] == "connect"])
    a.step()
    if len([e for e in fake.log if e[0] == "connect"]) > n:
        times.append(t)
print(times, a.attempt, a.sess.connected)
`);
  // rand 0 -> half of each cap: 500, 1000, 2000, 4000 ms after each failure.
  assert.equal(out.at(-1), '[0, 500, 1500, 3500, 7500] 0 True');
  assert.ok(out.some((l) => l.includes('WARN mqtt connect failed (OSError: [Errno 113] EHOSTUNREACH); retry 1 in 500 ms')));
});

test('a broker refusal is explained in the log', async () => {
  const vm = await startFirmware();
  const out = vm.py(`
import config, umqtt.simple as fake
from mpyiot.app import App
a = App(config)
a.rand = lambda: 0.0
a.start()
fake.script["rc"] = 5
a.step()
`);
  assert.ok(out.some((l) => l.includes('WARN mqtt connect failed (broker refused: not authorized); retry 1 in 500 ms')));
});

test('a subscription the broker refuses (SUBACK 0x80) is named and skipped; the session comes up', async () => {
  const vm = await startFirmware();
  const out = vm.py(`
import config, umqtt.simple as fake
from mpyiot.app import App
a = App(config)
a.rand = lambda: 0.0
a.start()
fake.script["refuse"] = (b"$devices/dev1/config", b"RESULT")
a.step()
print(a.sess.connected, len([e for e in fake.log if e[0] == "subscribe"]))
`);
  assert.ok(out.some((l) => l.includes('WARN mqtt broker refused the subscription to $devices/dev1/config (its ACL?); carrying on without it')), out.join('\n'));
  assert.ok(out.some((l) => l.includes('refused the subscription to RESULT')));
  assert.ok(out.some((l) => /INFO mqtt connected, subscribed to \d+ topics/.test(l)));
  assert.match(out.at(-1)!, /^True \d+$/);
});

test('an OSError while subscribing (errno 128 is ENOTCONN on an ESP32) is a failed connect, not a refused topic', async () => {
  const vm = await startFirmware();
  const out = vm.py(`
import config, umqtt.simple as fake
from mpyiot.app import App
a = App(config)
a.rand = lambda: 0.0
a.start()
fake.script["sub_errno"] = 128
a.step()
print(a.sess.connected)
`);
  assert.equal(out.at(-1), 'False');
  assert.ok(out.some((l) => l.includes('WARN mqtt connect failed')), out.join('\n'));
  assert.ok(!out.some((l) => l.includes('refused the subscription')), 'not reported as an ACL refusal');
});
