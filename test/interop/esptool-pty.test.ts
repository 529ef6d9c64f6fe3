// The real esptool v5 flashes virtual boards on a pseudo-terminal (`simulate --pty --loader`), for
// every board profile. A pty has no modem lines, so every run uses --before no-reset (as a user
// holding BOOT would); test/interop/esptool-rfc2217.test.ts covers the reset wiring.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../helpers/cli.ts';
import { startSimulator, type RunningSimulator } from '../helpers/ptySimulator.ts';
import { esptoolMatrix, skipWithoutEsptool } from './esptool.ts';

for (const chip of ['esp32', 'esp8266', 'esp32s3', 'esp32c3']) {
  describe(`esptool v5 on a virtual ${chip} over a pty`, { skip: skipWithoutEsptool }, () => {
    let sim: RunningSimulator | undefined;
    before(async () => {
      sim = await startSimulator(['--pty', '--loader', chip, '--duration', '600s'], tempDir());
    });
    after(() => sim?.stop());
    esptoolMatrix(it, assert, chip, () => sim!.path, { before: 'no-reset', baud: 921600 });
  });
}
