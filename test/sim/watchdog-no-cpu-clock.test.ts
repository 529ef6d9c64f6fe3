// Where threads have no CPU clock (macOS, Windows), the watchdog still tells a hung board from a
// starved host: MPY_IOT_CPU_CLOCK=off makes this Linux host take that path. A tight loop is reset,
// a host that blocked its main thread past the watchdog's period resets nobody.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ReplClient } from '../../tools/repl/client.ts';
import type { ResetEvent, VirtualBoard } from '../../tools/sim/board.ts';
import { boardTransport } from '../helpers/boardTransport.ts';
import { startAedes, type TestBroker } from '../helpers/brokers.ts';
import { bootBoard, buildLab } from '../helpers/sim.ts';

process.env.MPY_IOT_CPU_CLOCK = 'off';

let broker: TestBroker;
let project: string;

before(async () => {
  broker = await startAedes();
  project = await buildLab({
    brokerUrl: broker.url,
    devices: [
      { name: 'hang', board: 'esp32', telemetry: { students: ['A'], group: 'G', sensor: 'simulated' } },
      { name: 'wd', board: 'esp32', watchdog: { timeoutSeconds: 5 }, telemetry: { students: ['A'], group: 'G', sensor: 'simulated' } },
    ],
  });
});
after(() => broker.stop());

const nextReset = (board: VirtualBoard, withinMs: number): Promise<ResetEvent | 'none'> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve('none'), withinMs);
    board.once('reset', (event: ResetEvent) => {
      clearTimeout(timer);
      resolve(event);
    });
  });

test('without a CPU clock, a tight loop that never feeds the watchdog still resets the board', async () => {
  const board = await bootBoard(project, 'hang', { blank: true });
  after(() => board.stop());
  const repl = new ReplClient(boardTransport(board));
  await repl.enterRaw();
  const started = board.waitForLine(/started/);
  void repl.run(`import machine, time
print('started')
time.sleep_ms(10)
wdt = machine.WDT(timeout=1500)
while True:
    pass`).catch(() => undefined);
  await started;
  repl.close();
  const reset = await nextReset(board, 15_000);
  assert.notEqual(reset, 'none', 'the board was reset within 15 s');
  assert.equal((reset as ResetEvent).cause, 'watchdog');
});

test("without a CPU clock, the host's main thread blocked past the watchdog period resets nobody and is reported", async () => {
  const board = await bootBoard(project, 'wd');
  after(() => board.stop());
  await board.waitForLine(/telemetry sent/, 15_000);
  const until = Date.now() + 8000;
  while (Date.now() < until);
  await board.waitForLine(/telemetry sent/, 10_000);
  await new Promise((r) => setTimeout(r, 2000));
  assert.deepEqual(board.resets, [], 'no watchdog reset');
  const stalled = board.hostStalls.reduce((sum, s) => sum + s.ms, 0);
  assert.ok(stalled >= 5000, `the host stall was reported (${JSON.stringify(board.hostStalls)})`);
});
