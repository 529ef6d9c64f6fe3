// The real mpremote against running virtual boards served over RFC 2217 (`simulate --rfc2217`),
// a classic-wired ESP32 and a USB-Serial/JTAG ESP32-C3: pyserial's DTR/RTS changes on connect and
// on close reach the boards' reset wiring without resetting them (as on real dev boards), and
// `mpremote reset` restarts the board, which then boots its firmware again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSimulator, type RunningSimulator } from '../helpers/ptySimulator.ts';
import { buildLab } from '../helpers/sim.ts';
import { mpremote, skipWithoutMpremote } from './mpremote.ts';

const BOARDS = ['esp32', 'esp32c3'] as const;

describe('mpremote on running virtual boards over RFC 2217', { skip: skipWithoutMpremote, concurrency: BOARDS.length }, () => {
  let sim: RunningSimulator | undefined;
  const urls = new Map<string, string>();
  before(async () => {
    const project = await buildLab({
      brokerUrl: 'mqtt://127.0.0.1:9',
      devices: BOARDS.map((board) => ({ name: `m-${board}`, board, telemetry: { students: ['A'], group: 'G', sensor: 'simulated' } })),
    });
    sim = await startSimulator(['--rfc2217', '--duration', '600s'], project, /(rfc2217:\/\/\S+)/);
    for (const board of BOARDS) urls.set(board, (await sim.waitFor(new RegExp(`m-${board} serial port: (?:\\S*?)(rfc2217://127\\.0\\.0\\.1:\\d+)`)))[1]!);
  });
  after(() => sim?.stop());

  for (const board of BOARDS) {
    describe(board, { concurrency: 1 }, () => {
      const boots = (): number => (sim!.stdout().match(new RegExp(`m-${board} +│ .*INFO app .*boot=`, 'g')) ?? []).length;

      it('connecting and disconnecting does not reset the board; exec and eval work', async () => {
        await sim!.waitFor(new RegExp(`m-${board} +│ .*INFO app .*boot=`));
        const before = boots();
        const run = await mpremote(urls.get(board)!, ['exec', 'import sys; print(sys.platform, 6 * 7)']);
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.equal(run.stdout.trim(), 'esp32 42');
        const again = await mpremote(urls.get(board)!, ['eval', '1 + 1']);
        assert.equal(again.stdout.trim(), '2', again.stdout + again.stderr);
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.equal(boots(), before, 'no boot between the two sessions (no reset from the lines)');
      });

      it('mpremote reset restarts the board, which boots its firmware (main.py) again', async () => {
        const before = boots();
        const from = sim!.stdout().length;
        const run = await mpremote(urls.get(board)!, ['reset']);
        assert.equal(run.code, 0, run.stdout + run.stderr);
        await sim!.waitFor(new RegExp(`m-${board} +│ .*INFO app .*boot=`), 20_000, from);
        assert.ok(boots() > before);
        const after = await mpremote(urls.get(board)!, ['eval', '6 * 7']);
        assert.equal(after.stdout.trim(), '42', after.stdout + after.stderr);
      });
    });
  }
});
