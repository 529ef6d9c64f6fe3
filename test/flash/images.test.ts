// MicroPython releases for `flash --version`: fetched from a server on 127.0.0.1 (standing in for
// micropython.org or a class mirror) or a folder, verified by structure, pinned on first use.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadBoards } from '../../tools/boards/index.ts';
import { DeviceError, InputError } from '../../tools/errors.ts';
import { defaultCacheDir, loadReleases, readImageFile, resolveRelease, type ReleaseList } from '../../tools/flash/images.ts';
import { pinsFile, readPins } from '../../tools/flash/pins.ts';
import { syntheticRelease } from '../../tools/flash/synthetic.ts';
import { NOTHING_LISTENS_PORT } from '../helpers/brokers.ts';
import { tempDir } from '../helpers/cli.ts';

const boards = loadBoards();
const esp32 = boards.find('esp32')!;
const esp8266 = boards.find('esp8266')!;
const release = syntheticRelease('ESP32', 64 * 1024, 1);
const rebuilt = syntheticRelease('ESP32', 64 * 1024, 2); // the same version built again: valid, different bytes
const release8266 = syntheticRelease('ESP8266', 64 * 1024, 1);
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Only the cached image files (not pins.json). */
function cachedFiles(cacheDir: string): string[] {
  const dir = path.join(cacheDir, 'esp32');
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe('MicroPython release images (--version)', () => {
  let server: http.Server;
  let baseUrl: string;
  const requests: string[] = [];
  /** What the server answers per file name; tests swap contents. */
  const files = new Map<string, Uint8Array>();

  before(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      const body = files.get(path.posix.basename(req.url ?? ''));
      if (body) res.end(body);
      else res.writeHead(404).end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fw/`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const list = (): ReleaseList => ({
    baseUrl,
    boards: { esp32: { '9.9.9': { url: 'TEST_GENERIC-v9.9.9.bin' } }, esp8266: { '9.9.9': { url: 'TEST8266-v9.9.9.bin' } } },
  });
  const resolve9 = (cacheDir: string, extra: Partial<Parameters<typeof resolveRelease>[0]> = {}) => resolveRelease({ board: esp32, version: '9.9.9', releases: list(), cacheDir, ...extra });

  it('first download: verified by structure, pinned in the cache folder, cached; then reused with no request', async () => {
    files.set('TEST_GENERIC-v9.9.9.bin', release);
    const cacheDir = tempDir();
    requests.length = 0;
    const first = await resolve9(cacheDir);
    assert.equal(first.source, 'download');
    assert.equal(first.pin, 'new');
    assert.equal(first.sha256, sha256(release));
    assert.equal(first.from, `${baseUrl}TEST_GENERIC-v9.9.9.bin`);
    assert.equal(first.report?.verified.length, 3);
    assert.deepEqual(Buffer.from(first.bytes), Buffer.from(release));
    assert.equal(first.file, path.join(cacheDir, 'esp32', 'TEST_GENERIC-v9.9.9.bin'));
    const pin = readPins(cacheDir)['esp32 9.9.9'];
    assert.equal(pin?.sha256, sha256(release));
    assert.equal(pin?.size, release.length);
    assert.equal(pin?.from, first.from);

    const second = await resolve9(cacheDir);
    assert.equal(second.source, 'cache');
    assert.equal(second.pin, 'matched');
    assert.equal(requests.length, 1, 'no second request');
  });

  it('a later download of the same version that differs is refused (exit 2), nothing cached; --repin accepts it', async () => {
    const cacheDir = tempDir();
    files.set('TEST_GENERIC-v9.9.9.bin', release);
    await resolve9(cacheDir);
    const cacheFile = path.join(cacheDir, 'esp32', 'TEST_GENERIC-v9.9.9.bin');
    writeFileSync(cacheFile, 'gone'); // the cache was cleared or damaged: the next run downloads again
    files.set('TEST_GENERIC-v9.9.9.bin', rebuilt);
    await assert.rejects(resolve9(cacheDir), (error: unknown) => {
      assert.ok(error instanceof InputError, String(error));
      assert.match(error.message, new RegExp(`MicroPython 9\\.9\\.9 for esp32 from ${baseUrl}TEST_GENERIC-v9\\.9\\.9\\.bin is not the file pinned on first use: sha256 ${sha256(rebuilt)} \\(\\d+ bytes\\), pinned ${sha256(release)}`));
      assert.match(error.hint ?? '', /--repin/);
      assert.match(error.hint ?? '', /Nothing was cached or written/);
      return true;
    });
    assert.deepEqual(cachedFiles(cacheDir), [], 'the damaged cache file was removed and nothing new cached');
    assert.equal(readPins(cacheDir)['esp32 9.9.9']?.sha256, sha256(release), 'the pin is unchanged');

    const accepted = await resolve9(cacheDir, { repin: true });
    assert.equal(accepted.pin, 'repinned');
    assert.equal(readPins(cacheDir)['esp32 9.9.9']?.sha256, sha256(rebuilt));
    assert.equal((await resolve9(cacheDir)).source, 'cache');
  });

  it('a corrupted, truncated or wrong-chip download is refused (exit 2) saying what is wrong; nothing cached or pinned', async () => {
    const damaged = release.slice();
    damaged[0xf000 + 0x3000] = damaged[0xf000 + 0x3000]! ^ 0xff;
    const cases: [string, Uint8Array, RegExp][] = [
      ['bad checksum', damaged, /is not a valid ESP32 release: the app image at flash 0x10000 \('factory'\): checksum mismatch/],
      ['truncated', release.subarray(0, 0x9000), /is not a valid ESP32 release: truncated: the partition table's app partition at 0x10000 starts past the end/],
      ['wrong chip', syntheticRelease('ESP32-S3'), /is not a valid ESP32 release: the image is built for ESP32-S3, not ESP32/],
      ['an HTML page', new TextEncoder().encode('<!doctype html><title>Wi-Fi login</title>'), /is not a valid ESP32 release: no image header: the first byte is 0x3c/],
    ];
    for (const [what, bytes, pattern] of cases) {
      const cacheDir = tempDir();
      files.set('TEST_GENERIC-v9.9.9.bin', bytes);
      await assert.rejects(resolve9(cacheDir), (error: unknown) => {
        assert.ok(error instanceof InputError, `${what}: ${String(error)}`);
        assert.match(error.message, pattern, what);
        assert.match(error.hint ?? '', /Nothing was cached or written/);
        return true;
      });
      assert.deepEqual(cachedFiles(cacheDir), [], `${what}: nothing cached`);
      assert.ok(!existsSync(pinsFile(cacheDir)), `${what}: nothing pinned`);
    }
  });

  it('a class mirror serves the same file names; an ESP8266 release is checked by its MD5 trailer', async () => {
    const mirror = http.createServer((req, res) => {
      requests.push(`mirror ${req.url}`);
      if (req.url === '/class/TEST8266-v9.9.9.bin') res.end(release8266);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
    const mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}/class`;
    try {
      const cacheDir = tempDir();
      requests.length = 0;
      const image = await resolveRelease({ board: esp8266, version: '9.9.9', releases: list(), cacheDir, source: { mirror: mirrorUrl } });
      assert.deepEqual(requests, ['mirror /class/TEST8266-v9.9.9.bin'], 'only the mirror was asked');
      assert.equal(image.from, `${mirrorUrl}/TEST8266-v9.9.9.bin`);
      assert.match(image.report?.verified.join('\n') ?? '', /MicroPython's MD5/);
      assert.deepEqual(image.report?.notVerified, ['ESP8266 images carry no chip id and no SHA-256']);
      await assert.rejects(resolveRelease({ board: esp32, version: '9.9.9', releases: list(), cacheDir, source: { mirror: mirrorUrl } }), (error: unknown) => {
        assert.ok(error instanceof DeviceError);
        assert.match(error.message, /HTTP 404/);
        assert.match(error.hint ?? '', /mirror is running/);
        return true;
      });
    } finally {
      mirror.close();
    }
  });

  it('a folder of images: read in place (not copied), verified and pinned the same way', async () => {
    const folder = tempDir();
    writeFileSync(path.join(folder, 'TEST_GENERIC-v9.9.9.bin'), release);
    const cacheDir = tempDir();
    const image = await resolve9(cacheDir, { source: { dir: folder } });
    assert.equal(image.source, 'folder');
    assert.equal(image.file, path.join(folder, 'TEST_GENERIC-v9.9.9.bin'));
    assert.equal(image.pin, 'new');
    assert.deepEqual(cachedFiles(cacheDir), []);

    writeFileSync(path.join(folder, 'TEST_GENERIC-v9.9.9.bin'), release.subarray(0, release.length - 100));
    await assert.rejects(resolve9(cacheDir, { source: { dir: folder } }), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, /from .*TEST_GENERIC-v9\.9\.9\.bin is not a valid ESP32 release: .*truncated/);
      assert.match(error.hint ?? '', /Replace .*TEST_GENERIC-v9\.9\.9\.bin with the original/);
      return true;
    });
    writeFileSync(path.join(folder, 'TEST_GENERIC-v9.9.9.bin'), rebuilt);
    await assert.rejects(resolve9(cacheDir, { source: { dir: folder } }), /is not the file pinned on first use/);

    const empty = tempDir({ 'other.bin': 'x' });
    await assert.rejects(resolve9(cacheDir, { source: { dir: empty } }), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.message, `MicroPython 9.9.9 for esp32 is not in ${empty}: no TEST_GENERIC-v9.9.9.bin`);
      assert.match(error.hint ?? '', /it has: other\.bin/);
      return true;
    });
    await assert.rejects(resolve9(cacheDir, { source: { dir: path.join(empty, 'nope') } }), /--image-dir .*nope is not a folder/);
  });

  it('a folder may hold a version newer than the list, under micropython.org\'s file naming', async () => {
    const dated: ReleaseList = { baseUrl, boards: { esp32: { '1.24.1': { url: 'ESP32_GENERIC-20241129-v1.24.1.bin' } } } };
    const folder = tempDir();
    writeFileSync(path.join(folder, 'ESP32_GENERIC-20260101-v1.27.0.bin'), release);
    writeFileSync(path.join(folder, 'ESP32_GENERIC_S3-20260101-v1.27.0.bin'), syntheticRelease('ESP32-S3'));
    const cacheDir = tempDir();
    const image = await resolveRelease({ board: esp32, version: '1.27.0', releases: dated, cacheDir, source: { dir: folder } });
    assert.equal(image.file, path.join(folder, 'ESP32_GENERIC-20260101-v1.27.0.bin'));
    assert.equal(readPins(cacheDir)['esp32 1.27.0']?.sha256, sha256(release));
    await assert.rejects(resolveRelease({ board: esp32, version: '1.28.0', releases: dated, cacheDir, source: { dir: folder } }), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.message, "no MicroPython 1.28.0 in the release list for board 'esp32'");
      assert.match(error.hint ?? '', /known versions: 1\.24\.1; for another, put its \.bin .* --image-dir DIR/);
      return true;
    });
  });

  it('a folder with two builds of the asked version names both instead of claiming there is none', async () => {
    const dated: ReleaseList = { baseUrl, boards: { esp32: { '1.24.1': { url: 'ESP32_GENERIC-20241129-v1.24.1.bin' } } } };
    const folder = tempDir();
    writeFileSync(path.join(folder, 'ESP32_GENERIC-20260101-v1.27.0.bin'), release);
    writeFileSync(path.join(folder, 'ESP32_GENERIC-20260301-v1.27.0.bin'), rebuilt);
    await assert.rejects(resolveRelease({ board: esp32, version: '1.27.0', releases: dated, cacheDir: tempDir(), source: { dir: folder } }), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.match(error.message, /several files in .* are MicroPython 1\.27\.0: ESP32_GENERIC-20260101-v1\.27\.0\.bin, ESP32_GENERIC-20260301-v1\.27\.0\.bin/);
      assert.match(error.hint ?? '', /keep one build/);
      return true;
    });
  });

  it('a cache folder that cannot be written is a clear input error naming it and the setting that moves it', async () => {
    files.set('TEST_GENERIC-v9.9.9.bin', release);
    const blocker = path.join(tempDir(), 'a-file');
    writeFileSync(blocker, 'not a folder'); // a cache "folder" under a file: unwritable even for root
    const cacheDir = path.join(blocker, 'cache');
    await assert.rejects(resolve9(cacheDir), (error: unknown) => {
      assert.ok(error instanceof InputError, String(error));
      assert.match(error.message, /cannot write the firmware cache at .*a-file\/cache/);
      assert.match(error.hint ?? '', /MPY_IOT_CACHE_DIR/);
      return true;
    });
  });

  it('fails clearly when offline and not cached, and still works offline once cached', async () => {
    files.set('TEST_GENERIC-v9.9.9.bin', release);
    const cacheDir = tempDir();
    // Not a port freed here: another test file could take it (NOTHING_LISTENS_PORT says why).
    const deadUrl = `http://127.0.0.1:${NOTHING_LISTENS_PORT}/fw/`;
    const offline: ReleaseList = { ...list(), baseUrl: deadUrl };
    await assert.rejects(resolveRelease({ board: esp32, version: '9.9.9', releases: offline, cacheDir }), (error: unknown) => {
      assert.ok(error instanceof DeviceError);
      assert.match(error.message, /cannot download MicroPython 9\.9\.9 for esp32 from http:\/\/127\.0\.0\.1:\d+\/fw\/TEST_GENERIC-v9\.9\.9\.bin: ECONNREFUSED; it is not in the cache/);
      assert.match(error.hint ?? '', /--mirror URL.*--image-dir DIR.*--image FILE/);
      return true;
    });
    await resolve9(cacheDir);
    const cached = await resolveRelease({ board: esp32, version: '9.9.9', releases: offline, cacheDir });
    assert.equal(cached.source, 'cache');
  });

  it('reports an unknown version, a sha256 the list pins, and unreadable pins as such', async () => {
    const cacheDir = tempDir();
    await assert.rejects(resolveRelease({ board: esp32, version: '0.1', releases: list(), cacheDir }), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.match(error.hint ?? '', /known versions: 9\.9\.9/);
      return true;
    });
    files.set('TEST_GENERIC-v9.9.9.bin', release);
    const listed: ReleaseList = { baseUrl, boards: { esp32: { '9.9.9': { url: 'TEST_GENERIC-v9.9.9.bin', sha256: 'ab'.repeat(32) } } } };
    await assert.rejects(resolveRelease({ board: esp32, version: '9.9.9', releases: listed, cacheDir }), new RegExp(`has sha256 ${sha256(release)}, the release list says ${'ab'.repeat(32)}`));
    writeFileSync(pinsFile(cacheDir), '{ not json');
    await assert.rejects(resolve9(cacheDir), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.match(error.hint ?? '', /delete .*pins\.json/);
      return true;
    });
    assert.equal(readFileSync(pinsFile(cacheDir), 'utf8'), '{ not json', 'left as it was');
  });

  it('ships a release list for every board with micropython.org URLs and no digests to hand-edit', () => {
    const releases = loadReleases();
    assert.equal(releases.baseUrl, 'https://micropython.org/resources/firmware/');
    for (const board of ['esp32', 'esp8266', 'esp32s3', 'esp32c3']) {
      assert.ok(releases.boards[board]?.['1.24.1'], board);
      assert.ok(releases.boards[board]?.['1.25.0'], board);
      assert.match(releases.boards[board]!['1.24.1']!.url, /-20241129-v1\.24\.1\.bin$/);
      for (const entry of Object.values(releases.boards[board]!)) assert.equal(entry.sha256, undefined);
    }
  });

  it('reads a local --image and puts the cache under MPY_IOT_CACHE_DIR', () => {
    const dir = tempDir({ 'fw.bin': 'abc' });
    assert.equal(readImageFile(path.join(dir, 'fw.bin')).bytes.length, 3);
    assert.throws(() => readImageFile(path.join(dir, 'none.bin')), InputError);
    assert.equal(defaultCacheDir({ MPY_IOT_CACHE_DIR: '/c' }), path.join('/c', 'firmware'));
  });
});
