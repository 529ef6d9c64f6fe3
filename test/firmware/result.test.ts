import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_PRELUDE, startFirmware } from './firmware-vm.ts';

test('RESULT: a board prints what is addressed to it, its group or everyone, and nothing meant for others', async () => {
  const vm = await startFirmware();
  vm.py('from mpyiot import result\nclass C:\n    NAME = "team-1"\n    GROUP = "БАГ-18-01"\n    STUDENTS = ("Иванов И.И", "Петрова А.С")\ncfg = C()');
  const show = (payload: string): string[] => vm.py(`result.show(${JSON.stringify(payload)}.encode(), cfg, "24:0A:C4:12:34:56")`);
  // Addressed to this board by MAC (any MAC format), or by name + students + group when its MAC is unknown.
  assert.deepEqual(show('{"group": "БАГ-18-01", "message": "Иванов И.И, Петрова А.С — зачтено", "passed": true, "device": "team-1", "mac": "240ac4123456"}'),
    ['[mpy-iot] INFO result for my board: Иванов И.И, Петрова А.С — зачтено [passed=true]']);
  assert.deepEqual(show('{"group": "БАГ-18-01", "message": "x", "device": "team-1", "students": ["Иванов И.И", "Петрова А.С"]}'), ['[mpy-iot] INFO result for my board: x']);
  // Addressed to another board: same group, or even the same name (two default labs), is not enough.
  assert.deepEqual(show('{"group": "БАГ-18-01", "message": "не зачтено", "device": "team-2", "mac": "240ac4000002"}'), []);
  assert.deepEqual(show('{"group": "БАГ-18-01", "message": "не зачтено", "device": "team-1", "mac": "240ac4000002"}'), []);
  assert.deepEqual(show('{"group": "БАГ-18-01", "message": "x", "device": "team-1", "students": ["Сидоров"]}'), []);
  // The lab's group form: my group prints, another group's does not.
  assert.deepEqual(show('{"group": "БАГ-18-01", "message": "Принято", "grade": 5, "passed": true}'),
    ['[mpy-iot] INFO result for my group БАГ-18-01: Принято [grade=5 passed=true]']);
  assert.deepEqual(show('{"group": "БАГ-18-02", "message": "Не принято", "passed": false}'), []);
  assert.deepEqual(show('{"message": "Всем спасибо"}'), ['[mpy-iot] INFO result for everyone: Всем спасибо']);
  assert.deepEqual(show('{"group": "", "message": "x"}'), ['[mpy-iot] INFO result for everyone: x']);
  assert.deepEqual(show('{"group": "БАГ-18-01"}'), ['[mpy-iot] INFO result for my group БАГ-18-01: (no message)']);
  assert.deepEqual(show('БАГ-18-01: зачёт'), ['[mpy-iot] INFO result text: БАГ-18-01: зачёт']);
  assert.deepEqual(show('[1, 2]'), ['[mpy-iot] INFO result text: [1, 2]']);
  assert.deepEqual(show('line one\nline two'), ['[mpy-iot] INFO result text: line one line two']);
  assert.deepEqual(vm.py('result.show(b"\\xff\\x00", cfg, "")'), ["[mpy-iot] INFO result text (not UTF-8): b'\\xff\\x00'"]);
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
