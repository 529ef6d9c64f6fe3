// The board's clock without a per-thread CPU clock (as on macOS and Windows; MPY_IOT_CPU_CLOCK=off
// here): board time is host time (wall less the host's event-loop lag) less stalls. Host lag
// during a board's sleep must not be taken off twice, or a hung loop after it is bitten late.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBoardClock } from '../../tools/sim/worker/boardClock.mjs';

process.env.MPY_IOT_CPU_CLOCK = 'off';

/** A host lag clock as tools/sim/supervisor.ts keeps it: [0] lag so far, [1] its last tick. */
function fakeHost(): { clock: { sab: SharedArrayBuffer; epoch: number; tickMs: number }; tick(lagMs?: number): void } {
  const sab = new SharedArrayBuffer(8);
  const lag = new Int32Array(sab);
  const epoch = Date.now();
  const tick = (lagMs = 0): void => {
    Atomics.add(lag, 0, lagMs);
    Atomics.store(lag, 1, Date.now() - epoch);
  };
  tick();
  return { clock: { sab, epoch, tickMs: 20 }, tick };
}

/** Runs for `ms` of wall time, the host ticking on time meanwhile (plus `lagMs` of lag, spread). */
function spin(ms: number, host: ReturnType<typeof fakeHost>, lagMs = 0): void {
  const until = Date.now() + ms;
  let lagLeft = lagMs;
  while (Date.now() < until) {
    const step = Math.min(lagLeft, 5);
    lagLeft -= step;
    host.tick(step);
  }
  host.tick(lagLeft);
}

test('without a CPU clock, a hung loop after a sleep the host lagged through counts in full', () => {
  const host = fakeHost();
  const stalls: number[] = [];
  const clock = createBoardClock({ ctrl: new Int32Array(new SharedArrayBuffer(8)), slots: { callStarted: 0, callEnded: 1 }, hostClock: host.clock, onStall: (ms: number) => stalls.push(ms) });
  assert.equal(clock.tid, null, 'no CPU clock: no thread id for the supervisor');
  spin(100, host); // the board runs
  const since = clock.stamp();
  spin(600, host, 400); // it sleeps 600 ms; the host's main thread lags 400 ms of it
  clock.waited(since, 600);
  const before = clock.now();
  spin(500, host); // then hangs in a loop
  const ran = clock.now() - before;
  assert.ok(ran >= 450 && ran <= 650, `the 500 ms of hang counted as board time: ${ran} ms`);
  assert.ok(before >= 250 && before <= 750, `before the hang, board time is host time: ${before} ms`);
  assert.deepEqual(stalls, [], 'the 400 ms of host lag are under the 500 ms a host stall must last to be reported');
});

test('board time never runs backwards', () => {
  const host = fakeHost();
  const clock = createBoardClock({ ctrl: new Int32Array(new SharedArrayBuffer(8)), slots: { callStarted: 0, callEnded: 1 }, hostClock: host.clock, onStall: () => {} });
  spin(50, host);
  let last = clock.now();
  for (let i = 0; i < 20; i++) {
    spin(10, host, i % 3 === 0 ? 30 : 0); // host lag makes host time stand still for a while
    const now = clock.now();
    assert.ok(now >= last, `${now} >= ${last}`);
    last = now;
  }
});
