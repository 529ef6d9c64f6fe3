import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_PRELUDE, startFirmware } from './firmware-vm.ts';

test('deadlines advance by the interval, not from now: no drift over many jittery cycles, across a ticks wrap', async () => {
  const vm = await startFirmware();
  const out = vm.py(`
import time, random
from mpyiot.app import advance
random.seed(7)
start = time.ticks_add(0, -123456)  # just before the ticks wrap
now = start
deadline = start
fired = 0
skipped = 0
for i in range(20000):
    now = time.ticks_add(now, 20 + random.getrandbits(6))  # a loop of 20..83 ms
    if time.ticks_diff(now, deadline) >= 0:  # due, as App.step() checks it
        deadline, k = advance(deadline, now, 1000)
        fired += 1
        skipped += k
elapsed = time.ticks_diff(now, start)
print(fired, skipped, elapsed // 1000 + 1, time.ticks_diff(deadline, start) % 1000, time.ticks_diff(deadline, now) <= 1000)
`);
  const [fired, skipped, expected, phase, ahead] = out[0]!.split(' ');
  assert.equal(fired, expected);
  assert.equal(skipped, '0');
  assert.equal(phase, '0', 'deadlines stay on the start + k * interval grid');
  assert.equal(ahead, 'True');
});

test('when far behind, whole missed periods are skipped and the phase is kept', async () => {
  const vm = await startFirmware();
  const out = vm.py(`
from mpyiot.app import advance
print(advance(0, 3500, 1000), advance(0, 999, 1000), advance(0, 1000, 1000))
`);
  assert.deepEqual(out, ['(4000, 3) (1000, 0) (2000, 1)']);
});

test('the app publishes on schedule despite slow loop iterations', async () => {
  const vm = await startFirmware({ TELEMETRY_INTERVAL_MS: 1000, EXTRAS: ['seq', 'uptime'] });
  const out = vm.py(`${APP_PRELUDE}
import random
random.seed(3)
a.read = lambda: 21.0
for i in range(2000):
    a.step()
    sleep_ms(30 + random.getrandbits(5))
n = len([e for e in fake.log if e[0] == "publish" and e[1].startswith(b"DATA/")])
print(n, time.ticks_diff(clk[0], 1000) // 1000 + 1, a.seq)
`);
  const [n, expected, seq] = out.at(-1)!.split(' ');
  assert.equal(n, expected);
  assert.equal(seq, expected);
});

test('{mac} expands in every MAC_FORMAT; topic filters match wildcards', async () => {
  const vm = await startFirmware();
  const out = vm.py(`
from mpyiot.app import match as m
from mpyiot.start import fmt_mac
mac = b"\\xaa\\xbb\\xcc\\x0d\\xee\\x0f"
for f in ("hex", "HEX", "colon", "COLON", "dash"):
    print("DATA/{mac}".replace("{mac}", fmt_mac(mac, f)))
print(m("a/+/c", "a/b/c"), m("a/#", "a/b/c"), m("a/#", "a"), m("a/+", "a/b/c"), m("#", "$SYS/x"), m("a/b", "a/b"))
`);
  assert.deepEqual(out, [
    'DATA/aabbcc0dee0f', 'DATA/AABBCC0DEE0F', 'DATA/aa:bb:cc:0d:ee:0f', 'DATA/AA:BB:CC:0D:EE:0F', 'DATA/aa-bb-cc-0d-ee-0f',
    'True True True False False True',
  ]);
});

test('the app expands {mac} in client id, telemetry, status and reply topics', async () => {
  const vm = await startFirmware({
    MAC_FORMAT: 'colon', REPLY_TOPIC: 'replies/{mac}', TELEMETRY_TOPICS: ['DATA/{mac}', 'x/{mac}/t'],
  });
  const out = vm.py(`${APP_PRELUDE}
a.step()
print(fake.log[0][1], a.sess.status, a.tele, a.reply_t)
`);
  assert.equal(out.at(-1),
    "b'mpy-aa:bb:cc:0d:ee:0f' b'status/aa:bb:cc:0d:ee:0f' [b'DATA/aa:bb:cc:0d:ee:0f', b'x/aa:bb:cc:0d:ee:0f/t'] " +
    "b'replies/aa:bb:cc:0d:ee:0f'");
});
