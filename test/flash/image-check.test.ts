// The structure check every image passes before it is cached or written: one damage per test,
// each refused with a message saying what is wrong (and where).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyFirmware } from '../../tools/flash/imageCheck.ts';
import { ImageFormatError, parseImage } from '../../tools/flash/imageHeader.ts';
import { releaseOffset, syntheticFirmware, syntheticRelease } from '../../tools/flash/synthetic.ts';

const CHIPS = ['ESP32', 'ESP8266', 'ESP32-S3', 'ESP32-C3'] as const;

function refused(bytes: Uint8Array, chip: string, pattern: RegExp, mode: 'release' | 'any' = 'release'): void {
  assert.throws(
    () => verifyFirmware(bytes, chip, releaseOffset(chip), mode),
    (error: unknown) => {
      assert.ok(error instanceof ImageFormatError, String(error));
      assert.match(error.message, pattern);
      return true;
    },
  );
}

/** A copy with one byte flipped. */
function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const copy = bytes.slice();
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

describe('firmware structure check', () => {
  for (const chip of CHIPS) {
    it(`accepts a whole ${chip} MicroPython release and says what it checked`, () => {
      const report = verifyFirmware(syntheticRelease(chip, 80 * 1024), chip, releaseOffset(chip), 'release');
      if (chip === 'ESP8266') {
        assert.deepEqual(report.verified, ['image at 0x0: header, 2 segments inside the file, checksum', "irom0.text at 0x9000: length word, 0xFF padding, MicroPython's MD5 of the whole file"]);
        assert.deepEqual(report.notVerified, ['ESP8266 images carry no chip id and no SHA-256']);
      } else {
        assert.equal(report.verified.length, 3);
        assert.match(report.verified[0]!, /header, 2 segments inside the file, checksum, chip id \d+, appended SHA-256/);
        assert.equal(report.verified[1], 'partition table at 0x8000: 4 entries, MD5');
        assert.match(report.verified[2]!, /^app 'factory' at 0x10000: .*appended SHA-256$/);
      }
    });
  }

  it('ESP32 family: a flipped bit in the bootloader, the partition table or the app is caught', () => {
    const release = syntheticRelease('ESP32', 80 * 1024);
    refused(flipped(release, 0x100), 'ESP32', /^checksum mismatch: the image says 0x[0-9a-f]{2}, its segments sum to 0x[0-9a-f]{2} \(corrupted\)$/);
    refused(flipped(release, 0x7000 + 40), 'ESP32', /partition table's MD5 does not match/);
    refused(flipped(release, 0xf000 + 0x4000), 'ESP32', /^the app image at flash 0x10000 \('factory'\): checksum mismatch/);
    // Only the SHA-256 (the checksum still matches): the appended digest catches it.
    const app = 0xf000;
    const last = release.length - 1;
    refused(flipped(release, last), 'ESP32', /app image at flash 0x10000.*SHA-256 mismatch/);
    // Two flips in one segment cancel in the XOR checksum; the SHA-256 still sees them.
    const cancel = release.slice();
    cancel[app + 0x1000] = cancel[app + 0x1000]! ^ 0x10;
    cancel[app + 0x2000] = cancel[app + 0x2000]! ^ 0x10;
    refused(cancel, 'ESP32', /SHA-256 mismatch/);
  });

  it('a truncated download is refused, wherever it was cut', () => {
    const release = syntheticRelease('ESP32', 80 * 1024);
    refused(release.subarray(0, 10), 'ESP32', /^truncated: 10 bytes, less than the 24-byte image header$/);
    refused(release.subarray(0, 0x2000), 'ESP32', /^truncated: segment \d of 2 .* runs past the end of the file at byte 8192$/);
    refused(release.subarray(0, 0x7000), 'ESP32', /truncated or not a MicroPython release: the file ends at byte 28672, where the partition table \(flash 0x8000\) belongs/);
    refused(release.subarray(0, 0xf000), 'ESP32', /truncated: the partition table's app partition at 0x10000 starts past the end of the file/);
    refused(release.subarray(0, release.length - 1000), 'ESP32', /app image at flash 0x10000.*truncated/);
    const esp8266 = syntheticRelease('ESP8266', 80 * 1024);
    refused(esp8266.subarray(0, esp8266.length - 1), 'ESP8266', /truncated or not a MicroPython release: the length word at 0x8ffc says \d+ \+ 16 bytes, the file has \d+/);
    refused(esp8266.subarray(0, 0x4000), 'ESP8266', /truncated: segment 1 of 2/);
  });

  it('ESP8266: the checksum guards the boot segments and MicroPython\'s MD5 the rest', () => {
    const release = syntheticRelease('ESP8266', 80 * 1024);
    refused(flipped(release, 0x100), 'ESP8266', /^checksum mismatch/);
    refused(flipped(release, 0x9000 + 500), 'ESP8266', /^MD5 mismatch: the MD5 MicroPython appends does not match the file \(corrupted\)$/);
    refused(flipped(release, 0x8000), 'ESP8266', /padding between the image and irom0.text .* is not 0xFF/);
  });

  it('an image for another chip is refused, naming the chip it is for', () => {
    refused(syntheticRelease('ESP32-S3'), 'ESP32', /^the image is built for ESP32-S3, not ESP32$/);
    refused(syntheticRelease('ESP32'), 'ESP32-C3', /is built for ESP32, not ESP32-C3$/);
    refused(syntheticRelease('ESP8266'), 'ESP32', /^built for ESP8266, not ESP32$/);
    refused(syntheticRelease('ESP32'), 'ESP8266', /^built for ESP32, not ESP8266$/);
    refused(new TextEncoder().encode('<html>404 Not Found</html>'.padEnd(4096, ' ')), 'ESP32', /^no image header: the first byte is 0x3c, not 0xe9$/);
  });

  it("a user's own single image passes in 'any' mode, not as a release", () => {
    const single = syntheticFirmware(128 * 1024, 3, 'ESP32');
    assert.deepEqual(verifyFirmware(single, 'ESP32', 0x1000, 'any').notVerified, []);
    refused(single, 'ESP32', /not a MicroPython release/);
    refused(flipped(single, 5000), 'ESP32', /checksum mismatch/, 'any');
  });

  it('parseImage reads the header fields esptool writes', () => {
    const image = parseImage(syntheticFirmware(4096, 1, 'ESP32-C3'), 0, 'esp32');
    assert.equal(image.chipId, 5);
    assert.equal(image.hashAppended, true);
    assert.equal(image.segments.length, 1);
    assert.equal(image.end, 4096);
    const bad = syntheticFirmware(4096, 1, 'ESP32');
    bad[1] = 0;
    assert.throws(() => parseImage(bad, 0, 'esp32'), /the header says 0 segments \(an image has 1 to 16\)/);
  });
});
