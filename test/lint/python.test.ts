import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packageRoot } from '../../tools/paths.ts';
import { formatPythonDiagnostic, lintPythonSources, readPythonFiles } from './ruffLint.ts';

const lint = (source: string): string[] => lintPythonSources([{ path: 'snippet.py', source }]).map(formatPythonDiagnostic);

test('the lint is live: an unused import and an undefined name are reported', () => {
  assert.deepEqual(lint('import gc\n\n\ndef report():\n    print(temprature)\n'), [
    'snippet.py:1:8 F401 `gc` imported but unused',
    'snippet.py:5:11 F821 Undefined name `temprature`',
  ]);
});

test('pycodestyle rules apply: line length 110, trailing whitespace, syntax errors', () => {
  assert.deepEqual(lint(`X = '${'a'.repeat(104)}'\n`), [], 'a 110-character line is fine');
  assert.deepEqual(lint(`X = '${'a'.repeat(105)}'\n`), ['snippet.py:1:111 E501 Line too long (111 > 110)']);
  assert.deepEqual(lint('x = 1 \n'), ['snippet.py:1:6 W291 Trailing whitespace']);
  assert.match(lint('def broken(:\n    pass\n')[0] ?? '', /^snippet\.py:1:\d+ invalid-syntax /);
});

test('idiomatic MicroPython passes as is', () => {
  const source = [
    'import machine',
    'import micropython',
    'from micropython import const',
    '',
    "_PIN = const(2)  # Cyrillic in comments is fine: светодиод",
    '',
    '',
    '@micropython.native',
    'def blink(times):',
    '    led = machine.Pin(_PIN, machine.Pin.OUT)',
    '    for _ in range(times):',
    '        led.value(not led.value())',
    '',
  ].join('\n');
  assert.deepEqual(lint(source), []);
});

test('firmware/, templates/ and the simulator Python modules are lint-clean', (t) => {
  const files = readPythonFiles(packageRoot, ['firmware', 'templates', 'tools/sim/python', 'tools/sim/pty']);
  t.diagnostic(`${files.length} Python files linted`);
  const problems = lintPythonSources(files).map(formatPythonDiagnostic);
  if (problems.length > 0) assert.fail(`ruff reported ${problems.length} problem(s):\n${problems.join('\n')}`);
});
