import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_PRELUDE, startFirmware, type FirmwareVm } from './firmware-vm.ts';

// A fake app with the hooks commands.handle needs; handle() output is printed as JSON lines.
const PRELUDE = `
from mpyiot import commands
class Ctx:
    def __init__(self):
        self.calls = []
    def set_interval(self, s):
        self.calls.append(("set_interval", s))
    def publish_now(self):
        self.calls.append(("publish_now",))
    def led(self, state, times):
        self.calls.append(("led", state, times))
    def reboot(self):
        self.calls.append(("reboot",))
    def status(self):
        return {"ip": "127.0.0.1", "rssi": -60, "heap": 20000, "uptime": 5, "seq": 3, "interval": 5,
                "buffered": 0}
ctx = Ctx()
def h(msg, limit=256):
    r = commands.handle(ctx, msg, limit)
    print(r.decode() if r else "None")
`;

async function vmWithCtx(): Promise<FirmwareVm> {
  const vm = await startFirmware();
  vm.py(PRELUDE);
  return vm;
}

function ask(vm: FirmwareVm, msg: string): unknown {
  const out = vm.py(`h(${JSON.stringify(msg)}.encode())`);
  assert.equal(out.length, 1);
  return JSON.parse(out[0]!);
}

test('each command replies ok with the request id and calls its hook', async () => {
  const vm = await vmWithCtx();
  assert.deepEqual(ask(vm, '{"id": "r1", "cmd": "ping"}'), { id: 'r1', cmd: 'ping', ok: true, result: { pong: true } });
  assert.deepEqual(ask(vm, '{"id": 7, "cmd": "set_interval", "args": {"seconds": 10}}'),
    { id: 7, cmd: 'set_interval', ok: true, result: { interval: 10 } });
  assert.deepEqual(ask(vm, '{"id": "r3", "cmd": "publish_now", "args": {}}'),
    { id: 'r3', cmd: 'publish_now', ok: true, result: { scheduled: true } });
  assert.deepEqual(ask(vm, '{"id": "r4", "cmd": "led", "args": {"state": "blink", "times": 2}}'),
    { id: 'r4', cmd: 'led', ok: true, result: { state: 'blink', times: 2 } });
  assert.deepEqual(ask(vm, '{"id": "r5", "cmd": "led", "args": {"state": "off"}}'),
    { id: 'r5', cmd: 'led', ok: true, result: { state: 'off' } });
  assert.deepEqual(ask(vm, '{"id": "r6", "cmd": "reboot"}'), { id: 'r6', cmd: 'reboot', ok: true, result: { rebooting: true } });
  assert.deepEqual(ask(vm, '{"id": "r7", "cmd": "status"}'), {
    id: 'r7', cmd: 'status', ok: true,
    result: { ip: '127.0.0.1', rssi: -60, heap: 20000, uptime: 5, seq: 3, interval: 5, buffered: 0 },
  });
  assert.deepEqual(ask(vm, '{"cmd": "ping"}'), { id: null, cmd: 'ping', ok: true, result: { pong: true } });
  assert.deepEqual(vm.py('print(ctx.calls)'),
    ["[('set_interval', 10), ('publish_now',), ('led', 'blink', 2), ('led', 'off', 3), ('reboot',)]"]);
});

test('the reply JSON text has a fixed key order', async () => {
  const vm = await vmWithCtx();
  assert.deepEqual(vm.py('h(b\'{"cmd": "ping", "id": "x"}\')'), ['{"id": "x", "cmd": "ping", "ok": true, "result": {"pong": true}}']);
  assert.deepEqual(vm.py('h(b\'{"cmd": "nope", "id": "x"}\')'),
    ['{"id": "x", "cmd": "nope", "ok": false, "error": "unknown command: nope"}']);
});

test('malformed, non-object, unknown, bad args and oversized messages give error replies', async () => {
  const vm = await vmWithCtx();
  const err = (id: unknown, cmd: unknown, error: string): unknown => ({ id, cmd, ok: false, error });
  assert.deepEqual(ask(vm, '{"id": "a", "cmd": '), err(null, null, 'invalid JSON'));
  assert.deepEqual(ask(vm, 'reboot'), err(null, null, 'invalid JSON'));
  assert.deepEqual(ask(vm, ''), err(null, null, 'invalid JSON'));
  assert.deepEqual(ask(vm, '[1, 2]'), err(null, null, 'command must be a JSON object'));
  assert.deepEqual(ask(vm, '"ping"'), err(null, null, 'command must be a JSON object'));
  assert.deepEqual(ask(vm, 'null'), err(null, null, 'command must be a JSON object'));
  assert.deepEqual(ask(vm, '{"id": {"x": 1}, "cmd": "ping"}'), err(null, null, 'id must be a string or an integer'));
  assert.deepEqual(ask(vm, '{"id": "b"}'), err('b', null, 'missing cmd'));
  assert.deepEqual(ask(vm, '{"id": "b", "cmd": 5}'), err('b', null, 'missing cmd'));
  assert.deepEqual(ask(vm, '{"id": "c", "cmd": "format_flash"}'), err('c', 'format_flash', 'unknown command: format_flash'));
  assert.deepEqual(ask(vm, '{"id": "d", "cmd": "ping", "args": [1]}'), err('d', 'ping', 'args must be an object'));
  assert.deepEqual(ask(vm, '{"id": "e", "cmd": "set_interval"}'), err('e', 'set_interval', 'args.seconds must be a number'));
  assert.deepEqual(ask(vm, '{"id": "e", "cmd": "set_interval", "args": {"seconds": "10"}}'),
    err('e', 'set_interval', 'args.seconds must be a number'));
  assert.deepEqual(ask(vm, '{"id": "e", "cmd": "set_interval", "args": {"seconds": true}}'),
    err('e', 'set_interval', 'args.seconds must be a number'));
  assert.deepEqual(ask(vm, '{"id": "e", "cmd": "set_interval", "args": {"seconds": 0.5}}'),
    err('e', 'set_interval', 'args.seconds must be between 1 and 86400'));
  assert.deepEqual(ask(vm, '{"id": "f", "cmd": "led", "args": {"state": "dim"}}'),
    err('f', 'led', 'args.state must be "on", "off" or "blink"'));
  assert.deepEqual(ask(vm, '{"id": "f", "cmd": "led", "args": {"state": "blink", "times": 0}}'),
    err('f', 'led', 'args.times must be an integer between 1 and 20'));
  assert.deepEqual(ask(vm, '{"id": "f", "cmd": "led", "args": {"state": "blink", "times": 2.5}}'),
    err('f', 'led', 'args.times must be an integer between 1 and 20'));
  const big = JSON.stringify({ id: 'g', cmd: 'ping', args: { pad: 'x'.repeat(300) } });
  assert.deepEqual(ask(vm, big), err(null, null, `command too large: ${big.length} > 256 bytes`));
  assert.deepEqual(vm.py('h(b"\\xff\\xfe{}")'), ['{"id": null, "cmd": null, "ok": false, "error": "invalid JSON"}']);
  assert.deepEqual(vm.py('print(ctx.calls)'), ['[]'], 'no hook ran for a refused command');
});

test('a hook that raises becomes an error reply, not a crash', async () => {
  const vm = await vmWithCtx();
  vm.py(`
def boom(*a):
    raise OSError(5)
ctx.publish_now = boom
`);
  assert.deepEqual(ask(vm, '{"id": "z", "cmd": "publish_now"}'),
    { id: 'z', cmd: 'publish_now', ok: false, error: 'internal error: OSError: [Errno 5] EIO' });
});

test('a fuzz of random byte strings never raises and always yields a JSON error or reply', async () => {
  const vm = await vmWithCtx();
  const out = vm.py(`
import random, json
random.seed(42)
seeds = [b'{"id": "q", "cmd": "led", "args": {"state": "on"}}', b'{"cmd": "set_interval", "args": {"seconds": 3}}',
         b'{"id": 1, "cmd": "status"}', b'[]', b'{}']
bad = 0
n = 0
for i in range(400):
    if i % 2:
        m = bytes([random.getrandbits(8) for _ in range(random.getrandbits(6))])
    else:
        m = bytearray(seeds[i % len(seeds)])
        for _ in range(1 + random.getrandbits(2)):
            m[random.getrandbits(16) % len(m)] = random.getrandbits(8)
        m = bytes(m)
    r = commands.handle(ctx, m, 48)
    n += 1
    try:
        json.loads(r)
    except Exception:
        bad += 1
print(n, bad)
`);
  assert.deepEqual(out, ['400 0']);
});

test('the app implements the hooks: status fields, set_interval reschedules, led without a pin is an error', async () => {
  const vm = await startFirmware({ LED_PIN: null, TELEMETRY_INTERVAL_MS: 5000 });
  const out = vm.py(`${APP_PRELUDE}
a.step()
from mpyiot import commands
print(commands.handle(a, b'{"id": "s", "cmd": "status"}', 512).decode())
print(commands.handle(a, b'{"id": "i", "cmd": "set_interval", "args": {"seconds": 2.5}}', 512).decode())
print(a.interval, time.ticks_diff(a.deadline, clk[0]))
print(commands.handle(a, b'{"id": "l", "cmd": "led", "args": {"state": "on"}}', 512).decode())
`).filter((l) => !l.startsWith('[mpy-iot]'));
  const status = JSON.parse(out.at(-4)!);
  assert.deepEqual(Object.keys(status.result).sort(),
    ['buffered', 'connects', 'dropped', 'heap', 'interval', 'ip', 'mac', 'rssi', 'seq', 'uptime']);
  assert.equal(status.result.ip, '127.0.0.1');
  assert.equal(status.result.interval, 5);
  assert.equal(status.result.seq, 1);
  assert.equal(status.result.mac, 'aabbcc0dee0f');
  assert.equal(out.at(-3), '{"id": "i", "cmd": "set_interval", "ok": true, "result": {"interval": 2.5}}');
  assert.equal(out.at(-2), '2500 2500');
  assert.equal(out.at(-1), '{"id": "l", "cmd": "led", "ok": false, "error": "no LED on this board (LED_PIN is None)"}');
});
