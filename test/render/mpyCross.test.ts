import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePython, supportedArchs, type CompileResult } from '../../tools/render/mpyCross.ts';
import { runnableClock } from '../helpers/clock.ts';
import { startMicroPython } from '../helpers/micropython.ts';

function mpyOf(result: CompileResult): Uint8Array {
  if (!result.ok) assert.fail(`expected a successful compile, got ${JSON.stringify(result.errors)}`);
  return result.mpy;
}

const nativeFunction = '@micropython.native\ndef double(x):\n    return x * 2\n';

test('good source compiles to an ABI v6 .mpy', async () => {
  const mpy = mpyOf(await compilePython('main.py', 'import time\n\ndef tick(n):\n    return n + 1\n'));
  assert.equal(mpy[0], 0x4d, "starts with 'M'");
  assert.equal(mpy[1], 6, 'mpy version 6');
  assert.equal(mpy[3], 31, 'small ints of up to 31 bits, as on ESP32/ESP8266');
});

test('a syntax error reports the file, its line and the message', async () => {
  const result = await compilePython('lib/app.py', 'x = 1\ny = 2\ndef broken(:\n    pass\n');
  assert.deepEqual(result, { ok: false, errors: [{ file: 'lib/app.py', line: 3, message: 'SyntaxError: invalid syntax' }] });
});

test('other compile errors keep their type and line', async () => {
  assert.deepEqual(await compilePython('a.py', 'x = 1\n  y = 2\n'), {
    ok: false,
    errors: [{ file: 'a.py', line: 2, message: 'IndentationError: unexpected indent' }],
  });
  assert.deepEqual(await compilePython('a.py', "return 5\n"), {
    ok: false,
    errors: [{ file: 'a.py', line: 1, message: "SyntaxError: 'return' outside function" }],
  });
  // Errors raised outside the parser carry no location.
  assert.deepEqual(await compilePython('a.py', "x = '\\N{DEGREE SIGN}'\n"), {
    ok: false,
    errors: [{ file: 'a.py', line: null, message: 'NotImplementedError: unicode name escapes' }],
  });
});

test('Cyrillic strings compile, and the .mpy runs on MicroPython with the file name it was given', async () => {
  const source = "GROUP = 'БАГ-18-01'\nSTUDENTS = ('Иванов И.И',)\ndef fail():\n    raise ValueError(GROUP)\n";
  const mpy = mpyOf(await compilePython('lib/lab.py', source));
  const mp = await startMicroPython();
  mp.writeFile('/lib/lab.mpy', mpy);
  assert.deepEqual(mp.run("import sys\nsys.path.append('/lib')\nimport lab\nprint(lab.GROUP, lab.STUDENTS[0])"), [
    'БАГ-18-01 Иванов И.И',
  ]);
  assert.throws(() => mp.run('lab.fail()'), /File "lib\/lab\.py", line 4, in fail[\s\S]*ValueError: БАГ-18-01/);
});

test('-march only marks native code; rv32imc is unknown to this mpy-cross and compiles without it', async () => {
  assert.deepEqual([...supportedArchs], ['xtensa', 'xtensawin']);
  const plain = 'x = 1\n';
  const reference = mpyOf(await compilePython('a.py', plain));
  for (const arch of ['xtensa', 'xtensawin', 'rv32imc', null] as const) {
    assert.deepEqual(mpyOf(await compilePython('a.py', plain, { arch })), reference, `bytecode identical with arch ${arch}`);
  }
  const xtensa = mpyOf(await compilePython('a.py', nativeFunction, { arch: 'xtensa' }));
  assert.equal((xtensa[2] ?? 0) >> 2, 9, 'native code records MP_NATIVE_ARCH_XTENSA in the header');
  const xtensawin = mpyOf(await compilePython('a.py', nativeFunction, { arch: 'xtensawin' }));
  assert.equal((xtensawin[2] ?? 0) >> 2, 10, 'native code records MP_NATIVE_ARCH_XTENSAWIN in the header');
  // Sub-version 0 (the 1.19 era). Newer firmware checks the sub-version of native
  // code only, so plain bytecode loads everywhere while native code is refused, as 1.27 shows here.
  assert.equal((xtensawin[2] ?? 0) & 3, 0, 'mpy sub-version 0');
  const mp = await startMicroPython();
  mp.writeFile('/native_mod.mpy', xtensawin);
  assert.throws(() => mp.run('import native_mod'), /ValueError: incompatible \.mpy file/);
  // Without a usable -march, native code is a compile error rather than a wrong binary.
  assert.deepEqual(await compilePython('a.py', nativeFunction, { arch: 'rv32imc' }), {
    ok: false,
    errors: [{ file: 'a.py', line: 1, message: 'SyntaxError: invalid arch' }],
  });
});

test('a source too big for mpy-cross heap is a reported error, not a crash', async () => {
  const huge = Array.from({ length: 20000 }, (_, i) => `v${i} = ${i}`).join('\n');
  const result = await compilePython('huge.py', huge);
  assert.equal(result.ok, false);
  assert.match(!result.ok ? (result.errors[0]?.message ?? '') : '', /^MemoryError/);
});

test('compiles leave no process listeners behind, even when started together', async () => {
  const before = [process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')];
  const sources = Array.from({ length: 50 }, (_, i) => (i % 5 === 0 ? `def f(:\n` : `x = ${i}\n`));
  const results = await Promise.all(sources.map((source, i) => compilePython(`m${i}.py`, source)));
  assert.equal(results.filter((result) => result.ok).length, 40);
  assert.deepEqual([process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')], before);
  assert.equal(process.exitCode, undefined, 'a failed compile must not set the exit code of the host process');
});

test('timing: a typical firmware module compiles in a few milliseconds', async (t) => {
  const module = Array.from(
    { length: 40 },
    (_, i) => `def handler_${i}(topic, msg):\n    if len(msg) > ${i}:\n        return {'group': 'БАГ-18-01', 'n': ${i}}\n    return None\n`,
  ).join('\n');
  await compilePython('warm.py', 'x = 1\n');
  const rounds = 30;
  // On this thread's own clock (mpy-cross runs here): time a loaded host kept it waiting for a CPU is not the compiler's.
  const now = runnableClock();
  const started = now();
  for (let i = 0; i < rounds; i++) mpyOf(await compilePython('app.py', module));
  const perCompile = (now() - started) / rounds;
  t.diagnostic(`${perCompile.toFixed(1)} ms per compile of a ${module.length}-character module`);
  assert.ok(perCompile < 250, `${perCompile} ms per compile`);
});
