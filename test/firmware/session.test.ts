import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_PRELUDE, startFirmware } from './firmware-vm.ts';

const ops = (out: string[]): string[] => out.filter((l) => l.startsWith('OP ')).map((l) => l.slice(3));

test('last will before connect, clean session, bytes everywhere, subscriptions, then birth', async () => {
  const vm = await startFirmware({ MQTT_USER: 'dev1', MQTT_PASSWORD: 'Пароль-123456789' });
  const out = vm.py(`${APP_PRELUDE}
a.step()
for e in fake.log:
    print("OP", e[0], *[x for x in e[1:] if type(x) is not str or x in ("bytes", "str")])
`);
  const log = ops(out);
  const i = (prefix: string): number => log.findIndex((l) => l.startsWith(prefix));
  assert.equal(log[0], "init b'mpy-aabbcc0dee0f' 1883 b'dev1' b'\\xd0\\x9f\\xd0\\xb0\\xd1\\x80\\xd0\\xbe\\xd0\\xbb\\xd1\\x8c-123456789' 60 None");
  assert.equal(log[1], `will b'status/aabbcc0dee0f' b'{"status": "offline", "mac": "aabbcc0dee0f"}' True 1 bytes bytes`);
  assert.equal(log[2], 'connect True');
  assert.ok(i('will') < i('connect'));
  assert.deepEqual(log.filter((l) => l.startsWith('subscribe')), [
    "subscribe b'$devices/dev1/commands' 1 bytes",
    "subscribe b'$registries/reg1/commands' 1 bytes",
    "subscribe b'$devices/dev1/config' 1 bytes",
    "subscribe b'RESULT' 1 bytes",
    "subscribe b'news/#' 1 bytes",
  ]);
  assert.ok(i('publish b\'status/') > i('subscribe'));
  assert.ok(!out.join('\n').includes('Пароль'), 'the password never reaches the console');
});

test('after a lost connection the client reconnects with a clean session and resubscribes', async () => {
  const vm = await startFirmware();
  const out = vm.py(`${APP_PRELUDE}
a.step()
fake.script["broken"] = True
a.step()
print("CONNECTED", a.sess.connected)
fake.script["broken"] = False
for i in range(100):
    sleep_ms(50)
    a.step()
for e in fake.log:
    if e[0] in ("connect", "subscribe", "will"):
        print("OP", e[0], e[1])
print("CONNECTS", a.sess.connects)
`);
  assert.ok(out.includes('CONNECTED False'));
  assert.ok(out.some((l) => l.startsWith('[mpy-iot] WARN mqtt connection lost: OSError: -1')));
  const log = ops(out);
  assert.equal(log.filter((l) => l === 'connect True').length, 2);
  assert.equal(log.filter((l) => l.startsWith('subscribe')).length, 10);
  assert.equal(log.filter((l) => l.startsWith('will')).length, 2);
  const second = log.lastIndexOf('connect True');
  assert.ok(log[second - 1]!.startsWith('will'), 'the will is set again before the reconnect');
  assert.deepEqual(log.slice(second + 1, second + 5).map((l) => l.split(' ')[0]), ['subscribe', 'subscribe', 'subscribe', 'subscribe']);
  assert.ok(out.includes('CONNECTS 2'));
});

test('pings go out at half the keepalive when nothing else was sent', async () => {
  const vm = await startFirmware({ MQTT_KEEPALIVE_S: 10, TELEMETRY_INTERVAL_MS: 60000 });
  const out = vm.py(`${APP_PRELUDE}
a.step()
t0 = clk[0]
for i in range(1200):  # 60 s
    sleep_ms(50)
    a.step()
pings = [e for e in fake.log if e[0] == "ping"]
print("PINGS", len(pings))
`);
  // t = 0: connect, birth, telemetry; then nothing is sent for 60 s but pings at 5, 10, … 60 s.
  assert.ok(out.includes('PINGS 12'), out.at(-1));
});

test('no pings when keepalive is 0', async () => {
  const vm = await startFirmware({ MQTT_KEEPALIVE_S: 0 });
  const out = vm.py(`${APP_PRELUDE}
for i in range(2000):
    sleep_ms(50)
    a.step()
print("PINGS", len([e for e in fake.log if e[0] == "ping"]))
`);
  assert.ok(out.includes('PINGS 0'));
});

test('MQTT_TLS builds an SSLContext, loads the files and passes ssl=ctx', async () => {
  const vm = await startFirmware({
    MQTT_TLS: true, MQTT_PORT: 8883, TLS_CA: 'certs/ca.der', TLS_CERT: 'certs/cert.der', TLS_KEY: 'certs/key.der',
  });
  vm.writeFile('/certs/ca.der', 'CA');
  vm.writeFile('/certs/cert.der', 'CERT');
  vm.writeFile('/certs/key.der', 'KEY');
  vm.writeFile('/fakes/ssl.py', `
PROTOCOL_TLS_CLIENT = 0
CERT_NONE = 0
CERT_REQUIRED = 2
calls = []
class SSLContext:
    def __init__(self, proto):
        calls.append(("ctx", proto))
    def load_cert_chain(self, cert, key):
        calls.append(("chain", cert, key))
    def load_verify_locations(self, cafile=None, cadata=None):
        calls.append(("verify", cadata))
`);
  const out = vm.py(`import os\nos.chdir("/")\n${APP_PRELUDE}
import ssl
a.step()
print(ssl.calls, fake.log[0][3], type(fake.log[0][7]).__name__, fake.log[0][7].verify_mode)
`);
  assert.equal(out.at(-1), "[('ctx', 0), ('chain', b'CERT', b'KEY'), ('verify', b'CA')] 8883 SSLContext 2");
});

test('watchdog is created from config and fed every cycle; LED is on while connected', async () => {
  const vm = await startFirmware({ WATCHDOG_MS: 8000, LED_ACTIVE_LOW: true });
  const out = vm.py(`${APP_PRELUDE}
for i in range(10):
    a.step()
print(machine.log[0], len([e for e in machine.log if e[0] == "feed"]))
pins = [e[2] for e in machine.log if e[0] == "pin"]
print(pins)
`);
  assert.equal(out.at(-2), "('wdt', 8000) 10");
  assert.equal(out.at(-1), '[1, 0]'); // active low: off = 1 at boot, on = 0 once connected
});

test('ESP8266-style watchdog (no timeout) and no watchdog at all', async () => {
  const esp = await startFirmware({ WDT_HAS_TIMEOUT: false });
  assert.equal(esp.py(`${APP_PRELUDE}\nprint(machine.log[0])`).at(-1), "('wdt', None)");
  const none = await startFirmware({ WATCHDOG_MS: 0 });
  assert.equal(none.py(`${APP_PRELUDE}\na.step()\nprint(a.wdt, [e for e in machine.log if e[0] == "wdt"])`).at(-1), 'None []');
});

test('reboot replies first, then says offline, disconnects and resets after a pause', async () => {
  const vm = await startFirmware();
  const out = vm.py(`${APP_PRELUDE}
a.step()
del fake.log[:]
fake.inbox.append((b"$devices/dev1/commands", b'{"id": "rb", "cmd": "reboot"}'))
try:
    for i in range(100):
        a.step()
        sleep_ms(50)
    print("NO RESET")
except machine.Reset:
    print("RESET after", clk[0] - 1000)
for e in fake.log:
    if e[0] in ("publish", "disconnect"):
        print("OP", e[0], e[1:3])
`);
  const log = ops(out);
  assert.match(log[0]!, /^publish \(b'\$devices\/dev1\/events\/replies', b'\{"id": "rb", "cmd": "reboot", "ok": true/);
  assert.equal(log.at(-2), `publish (b'status/aabbcc0dee0f', b'{"status": "offline", "mac": "aabbcc0dee0f"}')`);
  assert.equal(log.at(-1), 'disconnect ()');
  assert.ok(out.includes('RESET after 1000'), 'reset 1 s after the command');
});

test('Wi-Fi loss is noticed, explained, and the session comes back', async () => {
  const vm = await startFirmware();
  const out = vm.py(`${APP_PRELUDE}
a.step()
network.state["up"] = False
network.state["status"] = network.STAT_NO_AP_FOUND
for i in range(40):
    sleep_ms(50)
    a.step()
print("CONNECTED", a.sess.connected)
network.state["up"] = True
for i in range(200):
    sleep_ms(50)
    a.step()
print("CONNECTED", a.sess.connected, a.sess.connects)
`);
  assert.ok(out.includes('[mpy-iot] WARN wifi connection lost: no access point found (check WIFI_SSID)'));
  assert.ok(out.includes('[mpy-iot] INFO wifi connecting to lab-wifi'));
  assert.ok(out.some((l) => l.startsWith('[mpy-iot] WARN wifi not connected: no access point found')));
  assert.ok(out.some((l) => l.startsWith('[mpy-iot] WARN wifi connect failed (OSError: Wi-Fi not connected); retry')));
  assert.ok(out.includes('CONNECTED False'));
  assert.ok(out.includes('CONNECTED True 2'));
  assert.ok(!out.join('\n').includes('wifi-secret-123'));
});

test('a wrong Wi-Fi password ends the attempt early with the reason, then backs off', async () => {
  const vm = await startFirmware({ WIFI_TIMEOUT_MS: 15000 });
  const out = vm.py(`${APP_PRELUDE}
network.state["up"] = False
network.state["status"] = network.STAT_WRONG_PASSWORD
a.step()
print("ELAPSED", clk[0] - 1000, network.state["ssid"], len(fake.log))
`);
  assert.ok(out.includes('[mpy-iot] WARN wifi not connected: wrong password'));
  assert.ok(out.some((l) => l.startsWith('[mpy-iot] WARN wifi connect failed (OSError: Wi-Fi not connected); retry 1 in ')));
  assert.equal(out.at(-1), 'ELAPSED 600 lab-wifi 0'); // gave up after ~0.5 s, not 15 s; no MQTT attempt
});
