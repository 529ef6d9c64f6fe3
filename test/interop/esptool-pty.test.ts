// The real esptool v5 flashes virtual boards on a pseudo-terminal (`simulate --pty --loader`), for
// every board profile, at the paced speed the terminal is set to. A pty has no modem lines, so
// every run uses --before no-reset (as a user holding BOOT would); esptool-rfc2217.test.ts covers
// the reset wiring.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../helpers/cli.ts';
import { startSimulator, type RunningSimulator } from '../helpers/ptySimulator.ts';
import { esptoolMatrix, skipWithoutEsptool } from './esptool.ts';

const BOARDS = ['esp32', 'esp8266', 'esp32s3', 'esp32c3'];

// The boards run side by side (esptool mostly waits on the paced links); each board's steps in order.
describe('esptool v5 on virtual boards over a pty', { skip: skipWithoutEsptool, concurrency: BOARDS.length }, () => {
  for (const chip of BOARDS) {
    describe(chip, { concurrency: 1 }, () => {
      let sim: RunningSimulator | undefined;
      before(async () => {
        sim = await startSimulator(['--pty', '--loader', chip, '--duration', '900s'], tempDir());
      });
      after(() => sim?.stop());
      esptoolMatrix(it, assert, chip, () => sim!.path, { before: 'no-reset', baud: 921600 });
    });
  }
});
