import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFirmware } from './firmware-vm.ts';

const FAKES: Record<string, string> = {
  '/fakes/esp32.py': 'def raw_temperature():\n    return 95\n\ndef mcu_temperature():\n    return 41.25\n',
  '/fakes/dht.py': `
class DHT22:
    def __init__(self, pin):
        self.pin = pin
    def measure(self):
        if self.pin.n == 13:
            raise OSError(116)
    def temperature(self):
        return 23.4
DHT11 = DHT22
`,
  '/fakes/onewire.py': 'class OneWire:\n    def __init__(self, pin):\n        self.pin = pin\n',
  '/fakes/ds18x20.py': `
class DS18X20:
    def __init__(self, ow):
        self.ow = ow
    def scan(self):
        return [b"rom"] if self.ow.pin.n == 4 else []
    def convert_temp(self):
        pass
    def read_temp(self, rom):
        return 19.0625
`,
};

async function vm(): Promise<ReturnType<typeof startFirmware>> {
  const v = await startFirmware();
  for (const [p, src] of Object.entries(FAKES)) v.writeFile(p, src);
  v.py(`
import time
time.sleep_ms = lambda ms: None
from mpyiot import sensor
class C:
    SENSOR = "internal"
    SENSOR_PIN = None
    TEMP_SOURCE = None
def read(kind, source=None, pin=None):
    C.SENSOR = kind
    C.TEMP_SOURCE = source
    C.SENSOR_PIN = pin
    try:
        print(sensor.reader(C)())
    except Exception as e:
        print(type(e).__name__, e)
`);
  return v;
}

test('internal sources: ESP32 raw °F converted to °C, mcu_temperature in °C', async () => {
  const v = await vm();
  assert.deepEqual(v.py('read("internal", "raw_temperature_f")\nread("internal", "mcu_temperature")'), ['35.0', '41.25']);
});

test('DHT and DS18B20 read through their drivers; a failure raises for the app to WARN', async () => {
  const v = await vm();
  assert.deepEqual(v.py('read("dht22", pin=5)\nread("dht11", pin=13)\nread("ds18b20", pin=4)\nread("ds18b20", pin=2)'),
    ['23.4', 'OSError 116', '19.0625', 'OSError no DS18B20 on pin 2']);
});

test('simulated (and the fallback for a board with no internal sensor) is smooth and within 20–25 °C', async () => {
  const v = await vm();
  const out = v.py(`
from mpyiot.app import simulated
clk = [0]
r = simulated(lambda: clk[0])
vals = []
for i in range(3000):
    clk[0] = i * 1000
    vals.append(r())
print(min(vals) >= 20, max(vals) <= 25, max([abs(vals[i + 1] - vals[i]) for i in range(len(vals) - 1)]) < 0.2)
read("internal")
`);
  assert.equal(out[0], 'True True True');
  assert.equal(out[1], '[mpy-iot] WARN sensor no internal temperature sensor on this board; using simulated values');
  assert.ok(Number(out[2]) >= 20 && Number(out[2]) <= 25);
});
