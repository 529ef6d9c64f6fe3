import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startFirmware, templatesDir } from './firmware-vm.ts';

test('templates: main.py runs the app; a crash logs ERROR, pauses and resets', async () => {
  const vm = await startFirmware();
  vm.mount(path.join(templatesDir, 'common'), '/board');
  const out = vm.py(`
import time, machine
clk = [0]
sleeps = []
def sleep_ms(ms):
    sleeps.append(ms)
    clk[0] += ms
    if len(sleeps) == 200:
        raise ValueError("boom")
time.ticks_ms = lambda: clk[0]
time.sleep_ms = sleep_ms
try:
    exec(open('/board/main.py').read())
except machine.Reset:
    print("RESET after", sleeps[-1])
`);
  assert.ok(out.some((l) => l.startsWith('[mpy-iot] INFO telemetry sent {"temperature": ')));
  assert.ok(out.includes('[mpy-iot] ERROR app crashed: ValueError: boom; reset in 10 s'), out.join('\n'));
  assert.ok(out.includes('RESET after 10000'));
});

test('ESP8266 boot.py silences vendor debug output and turns the access point off', async () => {
  const vm = await startFirmware();
  vm.mount(path.join(templatesDir, 'esp8266'), '/esp8266');
  vm.writeFile('/fakes/esp.py', 'calls = []\ndef osdebug(v):\n    calls.append(v)\n');
  const out = vm.py(`
import network, esp
actives = []
network.WLAN.active = lambda self, on=None: actives.append((self.i, on))
exec(open('/esp8266/boot.py').read())
print(esp.calls, actives)
`);
  assert.deepEqual(out, ['[None] [(1, False)]']);
});

test('ESP32 and common boot.py run with nothing but gc', async () => {
  const vm = await startFirmware();
  vm.mount(templatesDir, '/t');
  assert.deepEqual(vm.py("exec(open('/t/esp32/boot.py').read())\nexec(open('/t/common/boot.py').read())\nprint('ok')"), ['ok']);
});
