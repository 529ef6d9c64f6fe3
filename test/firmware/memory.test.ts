import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_PRELUDE, startFirmware } from './firmware-vm.ts';

// ESP8266 heap is ~30 KB after boot and .mpy code is loaded into it, so code for rare moments is loaded
// for one use (app.load) and must not stay behind. bench/firmware-heap.ts measures the bytes.
const RESIDENT = 'mpyiot mpyiot.app mpyiot.jsontext mpyiot.log mpyiot.session';
const loaded = 'print(" ".join(sorted([m for m in sys.modules if m.startswith("mpyiot")])), ' +
  '[n for n in ("start", "link", "wifi", "tls", "sensor", "commands", "result", "config") if hasattr(mpyiot, n)])';

test('only the loop modules stay loaded through start, connects, reconnects, commands, config (and the state it publishes) and RESULT', async () => {
  const vm = await startFirmware();
  const out = vm.py(`${APP_PRELUDE}
import sys, mpyiot
${loaded}
a.step()
fake.inbox.append((b"$devices/dev1/commands", b'{"id": "s", "cmd": "status"}'))
fake.inbox.append((b"RESULT", b'{"message": "ok"}'))
fake.inbox.append((b"$devices/dev1/config", b'{"id": "c", "interval": 3}'))
a.step()
fake.script["broken"] = True
for i in range(100):
    a.step()
    sleep_ms(50)
    fake.script["broken"] = False
print(a.sess.connects)
${loaded}
`).filter((l) => !l.startsWith('[mpy-iot]'));
  assert.deepEqual(out, [`${RESIDENT} []`, '2', `${RESIDENT} []`]);
});

test('a hardware sensor reader keeps working after mpyiot.sensor is forgotten', async () => {
  const vm = await startFirmware({ SENSOR: 'dht22', SENSOR_PIN: 5 });
  vm.writeFile('/fakes/dht.py', 'class DHT22:\n    def __init__(self, pin):\n        pass\n\n    def measure(self):\n' +
    '        pass\n\n    def temperature(self):\n        return 23.4\n');
  const out = vm.py(`${APP_PRELUDE}
import sys, gc
gc.collect()
print(a.read(), "mpyiot.sensor" in sys.modules)
`);
  assert.equal(out.at(-1), '23.4 False');
});
