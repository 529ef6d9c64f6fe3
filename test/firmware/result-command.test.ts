// The `result` command: a verdict where there is no RESULT topic (IoT Core). The board prints the
// very line a RESULT message with the same object prints, and replies whether it printed it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APP_PRELUDE, startFirmware } from './firmware-vm.ts';

const VERDICTS = [
  { group: 'БАГ-18-01', message: 'Иванов И.И — зачтено', passed: true, grade: 5, device: 'board-1', students: ['Иванов И.И'] },
  { group: 'БАГ-18-01', message: 'Принято', passed: true },
  { group: '', message: 'Лабораторная закрыта' },
  { group: 'БАГ-18-02', message: 'Не принято', passed: false },
  { group: 'БАГ-18-01', message: 'не зачтено', device: 'board-2', students: ['Сидоров'] },
];

test('a result command prints what RESULT would, and its reply says whether it was shown; only replies are published', async () => {
  const vm = await startFirmware();
  vm.py(`${APP_PRELUDE}
a.step()
del fake.log[:]`);
  const step = (topic: string, payload: string): string[] =>
    vm.py(`fake.inbox.append((${JSON.stringify(topic)}.encode(), ${JSON.stringify(payload)}.encode()))
a.step()
for e in fake.log:
    if e[0] == "publish":
        print("PUB", e[1].decode(), e[2].decode())
del fake.log[:]`);
  const shown: boolean[] = [];
  for (const [i, verdict] of VERDICTS.entries()) {
    const viaResult = step('RESULT', JSON.stringify(verdict)).filter((l) => l.includes('INFO result'));
    const viaCommand = step('$devices/dev1/commands', JSON.stringify({ id: `v${i}`, cmd: 'result', args: verdict }));
    const printed = viaCommand.filter((l) => l.includes('INFO result'));
    assert.deepEqual(printed, viaResult, JSON.stringify(verdict));
    shown.push(printed.length === 1);
    const pubs = viaCommand.filter((l) => l.startsWith('PUB '));
    assert.deepEqual(pubs, [`PUB $devices/dev1/events/replies {"id": "v${i}", "cmd": "result", "ok": true, "result": {"shown": ${printed.length === 1}}}`]);
  }
  // Its own, its group's and the class-wide verdict are printed; another group's and another board's are not.
  assert.deepEqual(shown, [true, true, true, false, false]);
});

test('result command lines are exactly the RESULT ones, and bad args are refused by name', async () => {
  const vm = await startFirmware();
  vm.py(`${APP_PRELUDE}
a.step()
del fake.log[:]`);
  const reply = (args: string): unknown => {
    const out = vm.py(`fake.inbox.append((b"$devices/dev1/commands", ${JSON.stringify(`{"id": "b", "cmd": "result", "args": ${args}}`)}.encode()))
a.step()
for e in fake.log:
    if e[0] == "publish":
        print(e[2].decode())
del fake.log[:]`).filter((l) => l.startsWith('{'));
    return JSON.parse(out[0]!);
  };
  assert.deepEqual(reply('{"message": 5}'), { id: 'b', cmd: 'result', ok: false, error: 'args.message must be a string' });
  assert.deepEqual(reply('{"message": "x", "passed": "yes"}'), { id: 'b', cmd: 'result', ok: false, error: 'args.passed must be true or false' });
  assert.deepEqual(reply('"x"'), { id: 'b', cmd: 'result', ok: false, error: 'args must be an object' });
  const printed = vm.py(`fake.inbox.append((b"$devices/dev1/commands", ${JSON.stringify(JSON.stringify({ id: 'c', cmd: 'result', args: VERDICTS[0] }))}.encode()))
a.step()`);
  assert.ok(printed.includes('[mpy-iot] INFO result for my board: Иванов И.И — зачтено [grade=5 passed=true]'), printed.join('\n'));
  // Loaded for one use, as for RESULT: nothing of result/commands stays resident on an ESP8266.
  assert.deepEqual(vm.py('import sys\nprint([m for m in ("mpyiot.result", "mpyiot.commands") if m in sys.modules])'), ['[]']);
});
