import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DeviceError, InputError } from '../../tools/errors.ts';
import { defaultCacheDir, loadReleases, readImageFile, resolveRelease, type ReleaseList } from '../../tools/flash/images.ts';
import { tempDir } from '../helpers/cli.ts';

const image = randomBytes(64 * 1024);
const sha256 = createHash('sha256').update(image).digest('hex');

describe('MicroPython release images (--version)', () => {
  let server: http.Server;
  let baseUrl: string;
  const requests: string[] = [];

  before(async () => {
    server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/fw/TEST_GENERIC-v9.9.9.bin' || req.url === '/fw/TEST_GENERIC-v9.9.8.bin') res.end(image);
      else res.writeHead(404).end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fw/`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const list = (overrides: Partial<Record<string, { url: string; sha256: string | null; size?: number }>> = {}): ReleaseList => ({
    baseUrl,
    boards: { esp32: { '9.9.9': { url: 'TEST_GENERIC-v9.9.9.bin', sha256, size: image.length }, ...overrides } as never },
  });

  it('downloads into the cache, verifies sha256, then reuses the cache without a request', async () => {
    const cacheDir = tempDir();
    requests.length = 0;
    const first = await resolveRelease({ boardId: 'esp32', version: '9.9.9', releases: list(), cacheDir });
    assert.equal(first.source, 'download');
    assert.equal(first.sha256, sha256);
    assert.deepEqual(Buffer.from(first.bytes), image);
    assert.equal(first.file, path.join(cacheDir, 'esp32', 'TEST_GENERIC-v9.9.9.bin'));
    assert.deepEqual(requests, ['/fw/TEST_GENERIC-v9.9.9.bin']);

    const second = await resolveRelease({ boardId: 'esp32', version: '9.9.9', releases: list(), cacheDir });
    assert.equal(second.source, 'cache');
    assert.deepEqual(Buffer.from(second.bytes), image);
    assert.equal(requests.length, 1, 'no second request');
  });

  it('refuses a download whose sha256 differs and caches nothing', async () => {
    const cacheDir = tempDir();
    const wrong = list({ '9.9.8': { url: 'TEST_GENERIC-v9.9.8.bin', sha256: 'ab'.repeat(32) } });
    await assert.rejects(resolveRelease({ boardId: 'esp32', version: '9.9.8', releases: wrong, cacheDir }), (error: unknown) => {
      assert.ok(error instanceof DeviceError);
      assert.match(error.message, new RegExp(`sha256 ${sha256}.*expected ${'ab'.repeat(32)}`));
      return true;
    });
    assert.equal(existsSync(path.join(cacheDir, 'esp32')) ? readdirSync(path.join(cacheDir, 'esp32')).length : 0, 0, 'nothing cached');
  });

  it('deletes a corrupted cache file and downloads it again', async () => {
    const cacheDir = tempDir();
    const first = await resolveRelease({ boardId: 'esp32', version: '9.9.9', releases: list(), cacheDir });
    writeFileSync(first.file, Buffer.from('tampered'));
    requests.length = 0;
    const again = await resolveRelease({ boardId: 'esp32', version: '9.9.9', releases: list(), cacheDir });
    assert.equal(again.source, 'download');
    assert.deepEqual(Buffer.from(again.bytes), image);
    assert.equal(requests.length, 1);
  });

  it('fails clearly when offline and not cached, and still works offline once cached', async () => {
    const cacheDir = tempDir();
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/fw/`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const offline: ReleaseList = { ...list(), baseUrl: deadUrl };
    await assert.rejects(resolveRelease({ boardId: 'esp32', version: '9.9.9', releases: offline, cacheDir }), (error: unknown) => {
      assert.ok(error instanceof DeviceError);
      assert.match(error.message, /cannot download MicroPython 9\.9\.9 for esp32 from http:\/\/127\.0\.0\.1:\d+\/fw\/TEST_GENERIC-v9\.9\.9\.bin: ECONNREFUSED; it is not in the cache/);
      assert.match(error.hint ?? '', /--image FILE/);
      return true;
    });
    await resolveRelease({ boardId: 'esp32', version: '9.9.9', releases: list(), cacheDir });
    const cached = await resolveRelease({ boardId: 'esp32', version: '9.9.9', releases: offline, cacheDir });
    assert.equal(cached.source, 'cache');
  });

  it('reports an HTTP error, an unknown version and a missing sha256 as such', async () => {
    const cacheDir = tempDir();
    await assert.rejects(
      resolveRelease({ boardId: 'esp32', version: '9.9.7', releases: list({ '9.9.7': { url: 'missing.bin', sha256 } }), cacheDir }),
      /HTTP 404/,
    );
    await assert.rejects(resolveRelease({ boardId: 'esp32', version: '0.1', releases: list(), cacheDir }), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.match(error.hint ?? '', /known versions: 9\.9\.9/);
      return true;
    });
    await assert.rejects(resolveRelease({ boardId: 'esp32', version: '9.9.6', releases: list({ '9.9.6': { url: 'x.bin', sha256: null } }), cacheDir }), /no sha256/);
  });

  it('ships a release list for every board with micropython.org URLs', () => {
    const releases = loadReleases();
    assert.equal(releases.baseUrl, 'https://micropython.org/resources/firmware/');
    for (const board of ['esp32', 'esp8266', 'esp32s3', 'esp32c3']) {
      assert.ok(releases.boards[board]?.['1.24.1'], board);
      assert.ok(releases.boards[board]?.['1.25.0'], board);
      assert.match(releases.boards[board]!['1.24.1']!.url, /-20241129-v1\.24\.1\.bin$/);
    }
  });

  it('reads a local --image and puts the cache under MPY_IOT_CACHE_DIR', () => {
    const dir = tempDir({ 'fw.bin': 'abc' });
    assert.equal(readImageFile(path.join(dir, 'fw.bin')).bytes.length, 3);
    assert.throws(() => readImageFile(path.join(dir, 'none.bin')), InputError);
    assert.equal(defaultCacheDir({ MPY_IOT_CACHE_DIR: '/c' }), path.join('/c', 'firmware'));
  });
});
