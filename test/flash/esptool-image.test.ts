// The structure check against the real esptool (v5, installed by .ci/run into .interop/bin):
// esptool's image-info judges the images flash accepts valid and the damaged ones invalid, and a
// release laid out by esptool merge-bin (as MicroPython's build makes its .bin, with the flash
// parameters rewritten and the bootloader's SHA-256 updated) passes flash's release check.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { verifyFirmware } from '../../tools/flash/imageCheck.ts';
import { parseImage } from '../../tools/flash/imageHeader.ts';
import { releaseOffset, syntheticFirmware, syntheticRelease } from '../../tools/flash/synthetic.ts';
import { esptool, skipWithoutEsptool } from '../interop/esptool.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mpy-iot-image-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, bytes: Uint8Array): string => {
  const target = path.join(dir, name);
  writeFileSync(target, bytes);
  return target;
};
const esptoolChip = (chip: string): string => chip.toLowerCase().replace(/-/g, '');

describe('image structure: flash and the real esptool agree', { skip: skipWithoutEsptool }, () => {
  for (const chip of ['ESP32', 'ESP32-S3', 'ESP32-C3', 'ESP8266']) {
    it(`${chip}: esptool image-info finds the checksum${chip === 'ESP8266' ? '' : ' and the SHA-256'} valid; one flipped byte makes both refuse`, async () => {
      const image = syntheticFirmware(96 * 1024, 3, chip);
      const good = await esptool(['--chip', esptoolChip(chip), 'image-info', file(`${chip}.bin`, image)]);
      assert.equal(good.code, 0, good.output);
      assert.match(good.output, /Checksum: 0x[0-9a-f]{2} \(valid\)/);
      if (chip !== 'ESP8266') assert.match(good.output, /Validation hash: [0-9a-f]{64} \(valid\)/);
      assert.doesNotMatch(good.output, /invalid/i);

      const damaged = image.slice();
      damaged[5000] = damaged[5000]! ^ 0x04;
      assert.throws(() => verifyFirmware(damaged, chip, releaseOffset(chip), 'any'), /checksum mismatch/);
      const bad = await esptool(['--chip', esptoolChip(chip), 'image-info', file(`${chip}-bad.bin`, damaged)]);
      assert.match(bad.output, /Checksum: 0x[0-9a-f]{2} \(invalid - calculated 0x[0-9a-f]{2}\)/, bad.output);
    });
  }

  for (const chip of ['ESP32', 'ESP32-S3']) {
    it(`${chip}: a release merged by esptool merge-bin (flash mode and size rewritten) passes the release check`, async () => {
      const offset = releaseOffset(chip);
      const release = syntheticRelease(chip, 96 * 1024, 5);
      const boot = release.subarray(0, parseImage(release, 0, 'esp32').end);
      const table = release.subarray(0x8000 - offset, 0x8000 - offset + 0xc00);
      const app = release.subarray(0x10000 - offset);
      const merged = path.join(dir, `${chip}-merged.bin`);
      const run = await esptool([
        '--chip', esptoolChip(chip), 'merge-bin', '-o', merged, '--target-offset', `0x${offset.toString(16)}`, '--flash-mode', 'qio', '--flash-size', '8MB',
        `0x${offset.toString(16)}`, file(`${chip}-boot.bin`, boot), '0x8000', file(`${chip}-pt.bin`, table), '0x10000', file(`${chip}-app.bin`, app),
      ]);
      assert.equal(run.code, 0, run.output);
      const bytes = new Uint8Array(readFileSync(merged));
      assert.notDeepEqual(bytes.subarray(2, 4), release.subarray(2, 4), 'esptool rewrote the flash parameters');
      const report = verifyFirmware(bytes, chip, offset, 'release');
      assert.match(report.verified[0]!, /appended SHA-256/, 'the SHA-256 esptool updated matches');
      assert.equal(report.verified.length, 3);
    });
  }
});
