import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_PRELUDE, startFirmware } from './firmware-vm.ts';

test('RESULT lines say whether the result is for my group, another group, everyone, or plain text', async () => {
  const vm = await startFirmware();
  const show = (payload: string): string[] =>
    vm.py(`from mpyiot import result\nresult.show(${JSON.stringify(payload)}.encode(), "БАГ-18-01")`);
  assert.deepEqual(show('{"group": "БАГ-18-01", "message": "Принято", "grade": 5, "passed": true}'),
    ['[mpy-iot] INFO result for my group БАГ-18-01: Принято [grade=5 passed=true]']);
  assert.deepEqual(show('{"group": "БАГ-18-02", "message": "Не принято", "passed": false}'),
    ['[mpy-iot] INFO result for group БАГ-18-02 (not mine, mine is БАГ-18-01): Не принято [passed=false]']);
  assert.deepEqual(show('{"message": "Всем спасибо"}'), ['[mpy-iot] INFO result for everyone: Всем спасибо']);
  assert.deepEqual(show('{"group": "", "message": "x"}'), ['[mpy-iot] INFO result for everyone: x']);
  assert.deepEqual(show('{"group": "БАГ-18-01"}'), ['[mpy-iot] INFO result for my group БАГ-18-01: (no message)']);
  assert.deepEqual(show('БАГ-18-01: зачёт'), ['[mpy-iot] INFO result text: БАГ-18-01: зачёт']);
  assert.deepEqual(show('[1, 2]'), ['[mpy-iot] INFO result text: [1, 2]']);
  assert.deepEqual(show('line one\nline two'), ['[mpy-iot] INFO result text: line one line two']);
  assert.deepEqual(vm.py('result.show(b"\\xff\\x00", "g")'), ["[mpy-iot] INFO result text (not UTF-8): b'\\xff\\x00'"]);
});

test('the app routes RESULT, command and LISTEN topics; callbacks only queue replies', async () => {
  const vm = await startFirmware();
  const out = vm.py(`${APP_PRELUDE}
a.step()
del fake.log[:]
fake.inbox.append((b"RESULT", '{"group": "БАГ-18-01", "message": "ok"}'.encode()))
fake.inbox.append((b"$devices/dev1/commands", b'{"id": "p1", "cmd": "ping"}'))
fake.inbox.append((b"news/today", b"hello"))
fake.inbox.append((b"$registries/reg1/commands", b"garbage"))
a.step()
for e in fake.log:
    if e[0] == "publish":
        print("PUB", e[1].decode(), e[2].decode())
`);
  assert.ok(out.includes('[mpy-iot] INFO result for my group БАГ-18-01: ok'));
  assert.ok(out.includes('[mpy-iot] INFO listen news/today hello'));
  const pubs = out.filter((l) => l.startsWith('PUB '));
  assert.deepEqual(pubs, [
    'PUB $devices/dev1/events/replies {"id": "p1", "cmd": "ping", "ok": true, "result": {"pong": true}}',
    'PUB $devices/dev1/events/replies {"id": null, "cmd": null, "ok": false, "error": "invalid JSON"}',
  ]);
});
