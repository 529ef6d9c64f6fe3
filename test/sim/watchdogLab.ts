// What the watchdog tests share: a broker, a lab with a blank board ('hang') and one whose
// firmware runs a 5 s watchdog ('wd'), a program started at the raw REPL, and waiting for a reset.
import { after, before } from 'node:test';
import { ReplClient } from '../../tools/repl/client.ts';
import type { ResetEvent, VirtualBoard } from '../../tools/sim/board.ts';
import { boardTransport } from '../helpers/boardTransport.ts';
import { startAedes, type TestBroker } from '../helpers/brokers.ts';
import { bootBoard, buildLab } from '../helpers/sim.ts';

export interface WatchdogLab {
  broker: TestBroker;
  project: string;
}

/** Registers before/after hooks; the returned object is filled in once `before` has run. */
export function useWatchdogLab(): WatchdogLab {
  const lab = {} as WatchdogLab;
  before(async () => {
    lab.broker = await startAedes();
    lab.project = await buildLab({
      brokerUrl: lab.broker.url,
      devices: [
        { name: 'hang', board: 'esp32', telemetry: { students: ['A'], group: 'G', sensor: 'simulated' } },
        { name: 'wd', board: 'esp32', watchdog: { timeoutSeconds: 5 }, telemetry: { students: ['A'], group: 'G', sensor: 'simulated' } },
      ],
    });
  });
  after(() => lab.broker.stop());
  return lab;
}

/** A blank board at the raw REPL, started on `program` (which prints 'started' and never returns). */
export async function running(lab: WatchdogLab, program: string): Promise<VirtualBoard> {
  const board = await bootBoard(lab.project, 'hang', { blank: true });
  const repl = new ReplClient(boardTransport(board));
  await repl.enterRaw();
  const started = board.waitForLine(/started/);
  void repl.run(program).catch(() => undefined);
  await started;
  repl.close();
  return board;
}

export const nextReset = (board: VirtualBoard, withinMs: number): Promise<ResetEvent | 'none'> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve('none'), withinMs);
    board.once('reset', (event: ResetEvent) => {
      clearTimeout(timer);
      resolve(event);
    });
  });

/** The program of the tight-loop tests: the watchdog starts, then a loop with no call in it. */
export const SPIN_WITHOUT_FEEDING = `import machine, time
print('started')
time.sleep_ms(10)
wdt = machine.WDT(timeout=1500)
while True:
    pass`;

/**
 * Blocks this (the host's main) thread for 8 s while the 'wd' board publishes every second with a
 * 5 s watchdog: the board must not be reset, and the host stall must be reported.
 */
export async function blockHostPastWatchdog(lab: WatchdogLab): Promise<VirtualBoard> {
  const board = await bootBoard(lab.project, 'wd');
  after(() => board.stop());
  await board.waitForLine(/telemetry sent/, 15_000);
  // The board's next send waits for this (blocked) thread to answer.
  const until = Date.now() + 8000;
  while (Date.now() < until);
  await board.waitForLine(/telemetry sent/, 30_000);
  await new Promise((r) => setTimeout(r, 2000));
  return board;
}
