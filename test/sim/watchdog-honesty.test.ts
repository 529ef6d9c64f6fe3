// machine.WDT counts the time the board could have run: firmware that really hangs is reset, a
// board the host did not schedule (a blocked main thread, a stopped process) is not; the host's
// stall is reported as one.
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import { ReplClient } from '../../tools/repl/client.ts';
import type { ResetEvent } from '../../tools/sim/board.ts';
import { boardTransport } from '../helpers/boardTransport.ts';
import { boardClock } from '../helpers/clock.ts';
import { until } from '../helpers/until.ts';
import { bootBoard } from '../helpers/sim.ts';
import { blockHostPastWatchdog, nextReset, running as runningOn, SPIN_WITHOUT_FEEDING, useWatchdogLab } from './watchdogLab.ts';

const lab = useWatchdogLab();
const running = (program: string) => runningOn(lab, program);

test('a tight loop that never feeds the watchdog (nothing the interpreter can be interrupted in) resets the board', async () => {
  // The loop starts straight after the watchdog does: no call in between in which the board
  // checked in (the sleep only flushes 'started' out before the watchdog exists).
  const board = await running(SPIN_WITHOUT_FEEDING);
  after(() => board.stop());
  // 1.5 s of the board's CPU time; a host busy elsewhere gives it that slowly, hence the wall-clock ceiling.
  const reset = await nextReset(board, 60_000);
  assert.notEqual(reset, 'none', 'the board was reset within 60 s');
  assert.equal((reset as ResetEvent).cause, 'watchdog');
  await board.waitForLine(/MicroPython/, 30_000);
});

test('a board bitten from outside while it spins keeps the files it wrote, removed and renamed (a folder too) since boot', async () => {
  const board = await running(`import machine, os, time
with open('keep.txt', 'w') as f:
    f.write('kept')
with open('gone.txt', 'w') as f:
    f.write('x')
os.remove('gone.txt')
with open('old.txt', 'w') as f:
    f.write('moved')
os.rename('old.txt', 'new.txt')
with open('last.txt', 'w') as f:
    f.write('after')
os.mkdir('d')
os.chdir('d')
with open('x.txt', 'w') as f:
    f.write('in a folder')
os.chdir('/')
os.rename('d', 'e')
print('started')
time.sleep_ms(10)
wdt = machine.WDT(timeout=1500)
while True:
    pass`);
  after(() => board.stop());
  // 1.5 s of the board's CPU time; a host busy elsewhere gives it that slowly, hence the wall-clock ceiling.
  const reset = await nextReset(board, 60_000);
  assert.notEqual(reset, 'none', 'the board was reset within 60 s');
  assert.equal((reset as ResetEvent).cause, 'watchdog');
  await board.waitForLine(/MicroPython/, 30_000);
  const repl = new ReplClient(boardTransport(board));
  await repl.enterRaw();
  const listing = await repl.run("import os\nprint(sorted(os.listdir()), [open(n).read() for n in ('keep.txt', 'new.txt', 'last.txt', 'e/x.txt')])");
  repl.close();
  assert.match(listing, /\['e', 'keep.txt', 'last.txt', 'new.txt'\] \['kept', 'moved', 'after', 'in a folder'\]/);
});

test('what a program prints right before it hangs reaches the console, before the watchdog resets it', async () => {
  // No sleep or host call after the print: before, its line waited for one in the board's buffer
  // and was lost with the interpreter. (running() waits for the 'started' line.)
  const board = await running(`import machine, time
wdt = machine.WDT(timeout=1500)
time.sleep_ms(50)
print('started')
while True:
    pass`);
  after(() => board.stop());
  const reset = await nextReset(board, 60_000);
  assert.notEqual(reset, 'none', 'the board was reset');
  assert.equal((reset as ResetEvent).cause, 'watchdog');
});

test('a tight loop that feeds the watchdog (and calls nothing else) is not reset', async () => {
  const board = await running(`import machine, time
wdt = machine.WDT(timeout=1500)
print('started')
time.sleep_ms(10)
n = 0
while True:
    wdt.feed()
    n += 1`);
  after(() => board.stop());
  // Three watchdog periods of the board's own time (however long a loaded host takes to give
  // them): a feed that did not count would have bitten by then.
  const ran = boardClock(board);
  const from = ran();
  await until(() => ran() - from >= 4500, 'three watchdog periods of board time', 60_000);
  assert.deepEqual(board.resets, [], 'a board feeding its watchdog is not reset');
});

test('a loop that sleeps but never feeds the watchdog resets the board', async () => {
  const board = await running(`import machine, time
wdt = machine.WDT(timeout=1500)
print('started')
while True:
    time.sleep_ms(100)`);
  after(() => board.stop());
  // 1.5 s of the board's CPU time; a host busy elsewhere gives it that slowly, hence the wall-clock ceiling.
  const reset = await nextReset(board, 60_000);
  assert.notEqual(reset, 'none', 'the board was reset within 60 s');
  assert.equal((reset as ResetEvent).cause, 'watchdog');
});

test('a supervisor judging the board between its own watchdog reset and the reboot does not reset it a second time', async () => {
  const board = await bootBoard(lab.project, 'wd');
  after(() => board.stop());
  await board.waitForLine(/telemetry sent/, 15_000);
  // The interpreter expired its watchdog itself and said so (its reset message); until the new one
  // boots, its slots read "no time left" and its thread spends CPU unwinding. A supervisor tick
  // landing in that window (likely on a loaded host, where the reboot is slow) bites: the very call
  // supervise() makes, made here at the reset event so the window is hit every time.
  board.once('reset', () => board['watchdogBite']());
  board.stall(7000);
  await board.waitForLine(/boot=watchdog/, 20_000);
  await board.waitForLine(/telemetry sent/, 15_000);
  assert.deepEqual(board.resets.map((r) => r.cause), ['watchdog'], 'one reset');
  assert.equal(board.bootCount, 2);
});

test("the host's main thread blocked for longer than the watchdog period: no reset, a host stall reported", async () => {
  const board = await blockHostPastWatchdog(lab);
  assert.deepEqual(board.resets, [], 'no watchdog reset');
  const stalled = board.hostStalls.reduce((sum, s) => sum + s.ms, 0);
  assert.ok(stalled >= 5000, `the host stall was reported (${JSON.stringify(board.hostStalls)})`);
});

test('the whole simulator process stopped (SIGSTOP) for longer than the watchdog period: no reset, a host stall reported', async () => {
  const bin = path.resolve(import.meta.dirname, '../../tools/cli/bin.mjs');
  const child = spawn(process.execPath, [bin, 'simulate', '-d', 'wd', '--broker', lab.broker.url, '--jsonl'], { cwd: lab.project, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  after(() => child.kill('SIGKILL'));
  const waitFor = async (pattern: RegExp, ms: number): Promise<void> => {
    for (const end = Date.now() + ms; !pattern.test(stdout); await new Promise((r) => setTimeout(r, 100))) {
      if (Date.now() > end) throw new Error(`no ${pattern} within ${ms} ms:\n${stdout}\n${stderr}`);
    }
  };
  await waitFor(/telemetry sent/, 30_000);
  child.kill('SIGSTOP');
  await new Promise((r) => setTimeout(r, 8000));
  child.kill('SIGCONT');
  const published = lab.broker.published.length;
  // 4 s after the stop in which a false reset would show; then, however slowly a loaded host
  // brings the process back to its schedule, its next payload before Ctrl-C.
  await new Promise((r) => setTimeout(r, 4000));
  await until(() => lab.broker.published.length > published, 'a payload after the stop', 30_000);
  child.kill('SIGINT');
  assert.equal(await closed, 130, stderr); // Ctrl-C's exit code
  const events = stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; ms?: number; boards?: { resets: string[] }[] });
  assert.deepEqual(events.filter((e) => e.type === 'reset'), [], 'no reset');
  assert.deepEqual(events.at(-1)!.boards![0]!.resets, []);
  const stalls = events.filter((e) => e.type === 'host-stall');
  assert.ok(stalls.some((e) => e.ms! >= 5000), `a host stall reported: ${JSON.stringify(stalls)}`);
});
