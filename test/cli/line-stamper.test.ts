// monitor --log stamps each line once, wherever the serial reads happen to split it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lineStamper } from '../../tools/cli/lineStamper.ts';

test('a line split over several reads gets one stamp, at its start; CR is dropped', () => {
  let n = 0;
  const stamp = lineStamper(() => `t${++n}`);
  const written = ['>>> print(6 * 7)\r\n4', '2\r', '\n>>> ', 'x\r\n\r\n', '[mpy-iot]', ' INFO app\r\n'].map(stamp).join('');
  assert.equal(written, '[t1] >>> print(6 * 7)\n[t2] 42\n[t3] >>> x\n[t4] \n[t5] [mpy-iot] INFO app\n');
});
