import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_PRELUDE, startFirmware } from './firmware-vm.ts';
import { devicePayload, estimatePayloadBytes, firmwareJson, WORST_READINGS } from '../../tools/config/payload.ts';
import { samplePayload } from '../../tools/harness/samplePayload.ts';
import { labDevices } from '../harness/fixtures.ts';

const hex = (s: string): string => Buffer.from(s, 'utf8').toString('hex');

test('telemetry payload bytes equal the UTF-8 of the expected JSON text, Cyrillic raw', async () => {
  const vm = await startFirmware();
  const out = vm.py(`
import binascii
from mpyiot.jsontext import telemetry
p = telemetry(21.5, ["Иванов И.И", "Петрова А."], "БАГ-18-01", [("seq", 0), ("uptime", 12), ("rssi", None)])
print(type(p).__name__, len(p))
print(binascii.hexlify(p).decode())
`);
  const expected =
    '{"temperature": 21.5, "students": ["Иванов И.И", "Петрова А."], "group": "БАГ-18-01", ' +
    '"seq": 0, "uptime": 12, "rssi": null}';
  assert.equal(out[0], `bytes ${Buffer.byteLength(expected, 'utf8')}`);
  assert.equal(out[1], hex(expected));
  // The same text CPython json.dumps(…, ensure_ascii=False) would give, key order fixed.
  assert.deepEqual(JSON.parse(Buffer.from(out[1]!, 'hex').toString('utf8')).students, ['Иванов И.И', 'Петрова А.']);
});

test('temperatures get one decimal, rounded half away from zero in single precision as on the boards; non-finite becomes null', async () => {
  const vm = await startFirmware();
  const out = vm.py(`
from mpyiot.jsontext import num, dump
for v in (21.5, 21.0, 85, 23.75, -3.25, -0.04, 0.05, 1e300 * 1e300, float("nan"), 22.449999, 22.2499999):
    print(num(v) if type(v) is float else dump(v))
print(dump({"b": [1, True, None], "a": "я"}))
`);
  assert.deepEqual(out, ['21.5', '21.0', '85', '23.8', '-3.3', '0.0', '0.1', 'null', 'null', '22.4',
    // A board holds 22.2499999 as the 32-bit float 22.25 (double precision would print 22.2).
    '22.3',
    '{"a": "я", "b": [1, true, null]}']);
});

test('the app hands bytes topics and payloads to publish, extras in order, seq increasing from 0', async () => {
  const vm = await startFirmware({ EXTRAS: ['seq', 'uptime', 'rssi'], TELEMETRY_INTERVAL_MS: 2000 });
  const out = vm.py(`${APP_PRELUDE}
a.read = lambda: 21.5
for i in range(100):
    a.step()
    sleep_ms(50)
import binascii
pubs = [e for e in fake.log if e[0] == "publish"]
for e in pubs:
    print(e[5], e[6], e[1].decode(), binascii.hexlify(e[2]).decode())
`);
  const rows = out.filter((l) => l.startsWith('bytes')).map((l) => l.split(' '));
  assert.ok(rows.every((r) => r[0] === 'bytes' && r[1] === 'bytes'), 'topic and payload are bytes');
  const birth = rows.find((r) => r[2] === 'status/aabbcc0dee0f');
  assert.ok(birth);
  assert.deepEqual(JSON.parse(Buffer.from(birth[3]!, 'hex').toString()), {
    status: 'online', name: 'board-1', mac: 'aabbcc0dee0f', cid: 'mpy-aabbcc0dee0f', boot: 'watchdog', connects: 1,
    interval: 2, led: null, config: null,
  });
  const data = rows.filter((r) => r[2] === 'DATA/aabbcc0dee0f').map((r) => Buffer.from(r[3]!, 'hex').toString('utf8'));
  const events = rows.filter((r) => r[2] === '$devices/dev1/events').map((r) => Buffer.from(r[3]!, 'hex').toString());
  assert.equal(data.length, 3); // 5 s of loop at a 2 s period: t = 0, 2, 4
  assert.deepEqual(events, data);
  data.forEach((text, i) => {
    assert.equal(text, `{"temperature": 21.5, "students": ["Иванов И.И"], "group": "БАГ-18-01", ` +
      `"seq": ${i}, "uptime": ${2 * i}, "rssi": -61}`);
  });
});

test('heap extra is a free-bytes integer; a failing sensor publishes nothing and logs a WARN', async () => {
  const vm = await startFirmware({ EXTRAS: ['heap'] });
  const out = vm.py(`${APP_PRELUDE}
a.step()
def bad():
    raise OSError(110)
a.read = bad
a.publish_now()
a.step()
print("PUBS", len([e for e in fake.log if e[0] == "publish" and e[1].startswith(b"DATA/")]))
`);
  const first = out.find((l) => l.startsWith('[mpy-iot] INFO telemetry sent '));
  assert.ok(first);
  assert.match(first, /"heap": \d+\}$/);
  assert.ok(out.some((l) => /^\[mpy-iot\] WARN telemetry sensor simulated failed, nothing published: OSError/.test(l)));
  assert.ok(out.includes('PUBS 1'));
});

test('check\'s payload size and schema sample are what the firmware builds: the worst case byte for byte, the same keys in the same order', async () => {
  const [device] = labDevices([{ name: 'team-1', telemetry: { students: ['Иванов И.И', 'Д\'Артаньян "Ш."'], group: 'БАГ-18-01', extras: ['seq', 'uptime', 'rssi', 'heap'] } }]);
  const worst = devicePayload(device!, WORST_READINGS);
  const vm = await startFirmware();
  const out = vm.py(`
import binascii
from mpyiot.jsontext import telemetry
p = telemetry(${worst.temperature}, ${JSON.stringify(worst.students)}, ${JSON.stringify(worst.group)}, [${device!.telemetry.extras.map((e) => `("${e}", ${worst[e]})`).join(', ')}])
print(len(p))
print(binascii.hexlify(p).decode())
`);
  assert.equal(Number(out[0]), estimatePayloadBytes(device!));
  assert.equal(Buffer.from(out[1]!, 'hex').toString('utf8'), firmwareJson(worst));
  assert.deepEqual(Object.keys(samplePayload(device!)), Object.keys(JSON.parse(Buffer.from(out[1]!, 'hex').toString('utf8')) as object));
});
