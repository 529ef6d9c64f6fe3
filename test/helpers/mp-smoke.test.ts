import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startMicroPython } from './micropython.ts';

test('the MicroPython interpreter runs and encodes Cyrillic as UTF-8', async () => {
  const mp = await startMicroPython();
  const out = mp.run('s = "Иванов"\nprint(len(s), len(s.encode()))');
  assert.deepEqual(out, ['6 12']);
});
