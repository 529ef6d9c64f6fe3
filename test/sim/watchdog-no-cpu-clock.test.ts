// Where threads have no CPU clock (macOS, Windows), the watchdog still tells a hung board from a
// starved host: MPY_IOT_CPU_CLOCK=off makes this Linux host take that path. A tight loop is reset,
// a host that blocked its main thread past the watchdog's period resets nobody.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { ResetEvent } from '../../tools/sim/board.ts';
import { blockHostPastWatchdog, nextReset, running, SPIN_WITHOUT_FEEDING, useWatchdogLab } from './watchdogLab.ts';

process.env.MPY_IOT_CPU_CLOCK = 'off';

const lab = useWatchdogLab();

test('without a CPU clock, a tight loop that never feeds the watchdog still resets the board', async () => {
  const board = await running(lab, SPIN_WITHOUT_FEEDING);
  after(() => board.stop());
  // 1.5 s of host time (the wall less the host's lag); a loaded host gives that slowly, as in
  // watchdog-honesty.test.ts, hence the same wall-clock ceiling.
  const reset = await nextReset(board, 60_000);
  assert.notEqual(reset, 'none', 'the board was reset within 60 s');
  assert.equal((reset as ResetEvent).cause, 'watchdog');
});

test("without a CPU clock, the host's main thread blocked past the watchdog period resets nobody and is reported", async () => {
  const board = await blockHostPastWatchdog(lab);
  assert.deepEqual(board.resets, [], 'no watchdog reset');
  const stalled = board.hostStalls.reduce((sum, s) => sum + s.ms, 0);
  assert.ok(stalled >= 5000, `the host stall was reported (${JSON.stringify(board.hostStalls)})`);
});
