import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_PRELUDE, startFirmware } from './firmware-vm.ts';

test('the offline buffer keeps the newest N, drops the oldest first and counts drops', async () => {
  const vm = await startFirmware();
  const out = vm.py(`
from mpyiot.app import Buffer
b = Buffer(3)
for i in range(7):
    b.add(i)
print(b.items, len(b), b.dropped)
sent = []
print(b.flush(sent.append), sent, len(b))
z = Buffer(0)
z.add(1)
print(z.items, z.dropped)
`);
  assert.deepEqual(out, ['[4, 5, 6] 3 4', '3 [4, 5, 6] 0', '[] 1']);
});

test('a failing send keeps the unsent items, oldest first', async () => {
  const vm = await startFirmware();
  const out = vm.py(`
from mpyiot.app import Buffer
b = Buffer(5)
for i in range(4):
    b.add(i)
sent = []
def send(x):
    if x == 2:
        raise OSError(-1)
    sent.append(x)
try:
    b.flush(send)
except OSError:
    print("raised")
print(sent, b.items)
`);
  assert.deepEqual(out, ['raised', '[0, 1] [2, 3]']);
});

test('payloads made while offline are published after reconnecting, oldest first, bounded', async () => {
  // OFFLINE_BUFFER 5, 1 s period: 8 samples while the broker is gone -> seq 0..2 dropped, 3..7 kept.
  const vm = await startFirmware({ TELEMETRY_INTERVAL_MS: 1000, EXTRAS: ['seq'] });
  const out = vm.py(`${APP_PRELUDE}
a.read = lambda: 20.0
fake.script["broken"] = True
fake.script["fail_connects"] = 100
for i in range(160):
    a.step()
    sleep_ms(50)
print("BUFFERED", len(a.buf), a.buf.dropped, a.sess.connected)
fake.script["broken"] = False
fake.script["fail_connects"] = 0
del fake.log[:]
a.retry_at = clk[0]
for i in range(400):
    a.step()
    sleep_ms(50)
    if a.sess.connected:
        break
for e in fake.log:
    if e[0] == "publish" and e[1].startswith(b"DATA/"):
        print("PUB", e[2].decode())
print("AFTER", len(a.buf), a.buf.dropped)
`);
  assert.ok(out.includes('BUFFERED 5 3 False'), out.join('\n'));
  const pubs = out.filter((l) => l.startsWith('PUB ')).map((l) => JSON.parse(l.slice(4)).seq as number);
  // The flush (3..7) comes first, oldest first; then live telemetry continues.
  assert.deepEqual(pubs.slice(0, 5), [3, 4, 5, 6, 7]);
  assert.ok(pubs.slice(5).every((s, i) => s === 8 + i));
  assert.ok(out.includes('AFTER 0 3'));
  assert.ok(out.some((l) => /INFO telemetry sent 5 buffered payload\(s\), 3 dropped so far/.test(l)));
});
