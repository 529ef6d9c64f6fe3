// The real mpremote against running virtual boards served over RFC 2217 (`simulate --rfc2217`),
// a classic-wired ESP32 and a USB-Serial/JTAG ESP32-C3: pyserial's DTR/RTS changes on connect and
// on close reach the boards' reset wiring without resetting them (as on real dev boards), and
// `mpremote reset` restarts the board, which then boots its firmware again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { rfc2217Fleet, type Rfc2217Fleet } from '../helpers/ptySimulator.ts';
import { mpremote, skipWithoutMpremote } from './mpremote.ts';

const BOARDS = ['esp32', 'esp32c3'] as const;

describe('mpremote on running virtual boards over RFC 2217', { skip: skipWithoutMpremote, concurrency: BOARDS.length }, () => {
  let fleet: Rfc2217Fleet | undefined;
  before(async () => {
    fleet = await rfc2217Fleet('m-', BOARDS, '600s');
  });
  after(() => fleet?.sim.stop());

  for (const board of BOARDS) {
    describe(board, { concurrency: 1 }, () => {
      const boots = (): number => fleet!.boots(board);
      const url = (): string => fleet!.url(board);

      it('connecting and disconnecting does not reset the board; exec and eval work', async () => {
        await fleet!.sim.waitFor(new RegExp(`m-${board} +│ .*INFO app .*boot=`));
        const before = boots();
        const run = await mpremote(url(), ['exec', 'import sys; print(sys.platform, 6 * 7)']);
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.equal(run.stdout.trim(), 'esp32 42');
        const again = await mpremote(url(), ['eval', '1 + 1']);
        assert.equal(again.stdout.trim(), '2', again.stdout + again.stderr);
        await new Promise((resolve) => setTimeout(resolve, 500));
        assert.equal(boots(), before, 'no boot between the two sessions (no reset from the lines)');
      });

      it('mpremote reset restarts the board, which boots its firmware (main.py) again', async () => {
        const before = boots();
        const from = fleet!.sim.stdout().length;
        const run = await mpremote(url(), ['reset']);
        assert.equal(run.code, 0, run.stdout + run.stderr);
        await fleet!.sim.waitFor(new RegExp(`m-${board} +│ .*INFO app .*boot=`), 20_000, from);
        assert.ok(boots() > before);
        const after = await mpremote(url(), ['eval', '6 * 7']);
        assert.equal(after.stdout.trim(), '42', after.stdout + after.stderr);
      });
    });
  }
});
