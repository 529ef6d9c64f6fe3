// $devices/<id>/config and the state document: a valid config is applied and acknowledged in the
// next state on the status topic; a bad one changes nothing and says why; commands that change the
// interval or the LED publish the state too; registry commands are handled like device commands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_PRELUDE, startFirmware } from './firmware-vm.ts';

const STATES = `
def states():
    r = [m.decode() for (op, t, m, *_) in [e for e in fake.log if e[0] == "publish"] if t == b"status/aabbcc0dee0f"]
    fake.log.clear()
    return r
`;

function lastState(out: string[]): Record<string, unknown> {
  const line = out.filter((l) => l.startsWith('STATE ')).at(-1);
  assert.ok(line, out.join('\n'));
  return JSON.parse(line.slice(6)) as Record<string, unknown>;
}

test('a config is applied (interval, LED) and acknowledged in the state document; the birth carries the state', async () => {
  const vm = await startFirmware({ TELEMETRY_INTERVAL_MS: 10000 });
  const birth = vm.py(`${APP_PRELUDE}${STATES}
a.step()
for s in states():
    print("STATE", s)
`);
  assert.deepEqual(lastState(birth), {
    status: 'online', name: 'board-1', mac: 'aabbcc0dee0f', cid: 'mpy-aabbcc0dee0f', boot: 'watchdog', connects: 1, interval: 10, led: null, config: null,
  });
  const out = vm.py(`
fake.inbox.append((b"$devices/dev1/config", b'{"id": "c1", "interval": 3, "led": "on"}'))
a.step()
for s in states():
    print("STATE", s)
print("PIN", [e for e in machine.log if e[0] == "pin"][-1][2], a.interval, time.ticks_diff(a.deadline, clk[0]))
`);
  assert.deepEqual(lastState(out), {
    status: 'online', name: 'board-1', mac: 'aabbcc0dee0f', cid: 'mpy-aabbcc0dee0f', boot: 'watchdog', connects: 1, interval: 3, led: 'on', config: { id: 'c1', ok: true },
  });
  assert.equal(out.filter((l) => l.startsWith('STATE ')).length, 1, 'one state per change');
  assert.ok(out.includes('PIN 1 3000 3000'), out.join('\n'));
  // The LED stays as configured when the link goes down (it no longer shows the connection).
  const after = vm.py(`
a.show(False)
print("PIN", [e for e in machine.log if e[0] == "pin"][-1][2])
`);
  assert.ok(after.includes('PIN 1'), after.join('\n'));
});

test('a bad config changes nothing and the state says why', async () => {
  const vm = await startFirmware({ TELEMETRY_INTERVAL_MS: 10000 });
  vm.py(`${APP_PRELUDE}${STATES}
a.step()
states()
`);
  const cases: [string, string][] = [
    ['{"id": "b1", "interval": 0.5, "led": "on"}', 'interval must be a number of seconds from 1 to 86400'],
    ['{"id": "b2", "led": "blink"}', 'led must be "on" or "off"'],
    ['{"id": "b3", "interval": 5, "colour": "red"}', 'unknown key colour (known: interval, led)'],
    ['[1, 2]', 'config must be a JSON object'],
    ['{"interval": ', 'invalid JSON'],
  ];
  for (const [msg, error] of cases) {
    const out = vm.py(`
fake.inbox.append((b"$devices/dev1/config", ${JSON.stringify(msg)}.encode()))
a.step()
for s in states():
    print("STATE", s)
print("NOW", a.interval, a.led_set)
`);
    const state = lastState(out);
    assert.equal((state.config as { error?: string }).error, error, msg);
    assert.equal((state.config as { ok: boolean }).ok, false);
    assert.equal(state.interval, 10, `${msg}: nothing applied`);
    assert.equal(state.led, null);
    assert.ok(out.includes('NOW 10000 None'), out.join('\n'));
  }
  const big = vm.py(`
fake.inbox.append((b"$devices/dev1/config", b'{"id": "x", "pad": "' + b"a" * 600 + b'"}'))
a.step()
for s in states():
    print("STATE", s)
`);
  assert.match(String((lastState(big).config as { error: string }).error), /^config too large: \d+ > 512 bytes$/);
});

test('commands that change interval or LED publish the state; "state" republishes it; registry commands work as device ones', async () => {
  const vm = await startFirmware({ TELEMETRY_INTERVAL_MS: 10000 });
  const out = vm.py(`${APP_PRELUDE}${STATES}
a.step()
states()
fake.inbox.append((b"$registries/reg1/commands", b'{"id": "r1", "cmd": "set_interval", "args": {"seconds": 4}}'))
a.step()
for s in states():
    print("STATE", s)
fake.inbox.append((b"$devices/dev1/commands", b'{"id": "r2", "cmd": "state"}'))
a.step()
for s in states():
    print("STATE", s)
replies = [e[2].decode() for e in fake.log if e[0] == "publish"]
`);
  const states = out.filter((l) => l.startsWith('STATE ')).map((l) => JSON.parse(l.slice(6)) as { interval: number });
  assert.deepEqual(states.map((s) => s.interval), [4, 4], out.join('\n'));
  assert.ok(out.some((l) => l.includes('reply {"id": "r1", "cmd": "set_interval", "ok": true, "result": {"interval": 4}}')), out.join('\n'));
  assert.ok(out.some((l) => l.includes('reply {"id": "r2", "cmd": "state", "ok": true, "result": {"published": true}}')), out.join('\n'));
});
