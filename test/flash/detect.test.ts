// `mpy-iot flash` without --board: the ROM loader's chip detection (esptool-js's) picks the board
// profile, and a class mirror or folder supplies each chip's release. Virtual ROM loaders behind
// the virtual serial binding and a pseudo-terminal; releases from a server on 127.0.0.1.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createVirtualLoader, type ChipName, type VirtualLoader } from '../../tools/flash/loader/index.ts';
import { releaseOffset, syntheticFirmware, syntheticRelease } from '../../tools/flash/synthetic.ts';
import { createVirtualPort, removeVirtualPort, VirtualBinding } from '../../tools/serial/virtualBinding.ts';
import { exposeOnPty } from '../../tools/sim/pty.ts';
import { labProjectJson, runCli, tempDir } from '../helpers/cli.ts';
import { uniquePath } from '../serial/farEnds.ts';

const cp210x = { vendorId: '10c4', productId: 'ea60' };
const usbJtag = { vendorId: '303a', productId: '1001' };

function plug(chip: ChipName, usb: { vendorId?: string; productId?: string } = {}): { path: string; loader: VirtualLoader } {
  const loader = createVirtualLoader({ chip, flashTiming: false });
  const port = uniquePath('det');
  createVirtualPort(port, loader.farEnd, usb);
  return { path: port, loader };
}

function unplug(...ports: { path: string; loader: VirtualLoader }[]): void {
  for (const { path: p, loader } of ports) {
    removeVirtualPort(p);
    loader.dispose();
  }
}

const holds = (loader: VirtualLoader, image: Uint8Array, offset: number): boolean => Buffer.from(loader.flash.subarray(offset, offset + image.length)).equals(Buffer.from(image));
const untouched = (loader: VirtualLoader): boolean => loader.flash.every((b) => b === 0xff);

const RELEASES = {
  esp32: 'ESP32_GENERIC-v9.9.9.bin',
  esp8266: 'ESP8266_GENERIC-v9.9.9.bin',
  esp32s3: 'ESP32_GENERIC_S3-v9.9.9.bin',
} as const;
const images = { esp32: syntheticRelease('ESP32', 96 * 1024), esp8266: syntheticRelease('ESP8266', 96 * 1024), esp32s3: syntheticRelease('ESP32-S3', 96 * 1024) };

describe('flash detects the chip when no board is given', () => {
  let mirror: http.Server;
  let mirrorUrl: string;
  const requests: string[] = [];
  const served = new Map<string, Uint8Array>(Object.entries(RELEASES).map(([board, file]) => [file, images[board as keyof typeof images]]));
  let releasesJson: string;

  before(async () => {
    mirror = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      const body = served.get(path.posix.basename(req.url ?? ''));
      if (body) res.end(body);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
    mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}/mirror/`;
    // The list's own baseUrl points nowhere: every fetch must go to the mirror.
    releasesJson = JSON.stringify({ baseUrl: 'http://127.0.0.1:9/none/', boards: Object.fromEntries(Object.entries(RELEASES).map(([board, url]) => [board, { '9.9.9': { url } }])) });
  });
  after(() => mirror.close());

  /** A folder with the release list and a fresh cache, and the env that points flash at them. */
  function workspace(files: Record<string, string | object> = {}): { dir: string; env: Record<string, string> } {
    const dir = tempDir({ 'releases.json': releasesJson, ...files });
    return { dir, env: { MPY_IOT_RELEASES: 'releases.json', MPY_IOT_CACHE_DIR: path.join(dir, 'cache') } };
  }

  it('one port: says which chip it found, uses that board profile, writes at its offset', async () => {
    const { dir, env } = workspace();
    const image = syntheticFirmware(128 * 1024, 4, 'ESP8266');
    writeFileSync(path.join(dir, 'fw.bin'), image);
    const board = plug('ESP8266');
    try {
      const run = await runCli(['flash', '--port', board.path, '--image', 'fw.bin'], { cwd: dir, env, serialBinding: VirtualBinding });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stderr, new RegExp(`${board.path}: found an ESP8266, flashed as board esp8266 \\(no --board given\\)`));
      assert.match(run.stdout, /ok\s+ESP8266/);
      assert.ok(holds(board.loader, image, 0x0), 'written at the ESP8266 offset 0x0');
    } finally {
      unplug(board);
    }
  });

  it('--all --version --mirror: each board gets the release for its own chip, each file fetched once', async () => {
    const { dir, env } = workspace();
    const boards = [plug('ESP32', cp210x), plug('ESP32', cp210x), plug('ESP8266', cp210x), plug('ESP32-S3', usbJtag)];
    requests.length = 0;
    try {
      const run = await runCli(['flash', '--all', '--version', '9.9.9', '--mirror', mirrorUrl, '--json'], { cwd: dir, env, serialBinding: VirtualBinding });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const doc = run.json<{ ok: boolean; board?: string; ports: { port: string; chip: string; board: string; detected: boolean; image: { pin: string; from: string } }[] }>();
      assert.equal(doc.board, undefined, 'no single board');
      const byPort = new Map(doc.ports.map((p) => [p.port, p]));
      for (const [board, chip, id] of [[boards[0]!, 'ESP32', 'esp32'], [boards[1]!, 'ESP32', 'esp32'], [boards[2]!, 'ESP8266', 'esp8266'], [boards[3]!, 'ESP32-S3', 'esp32s3']] as const) {
        const row = byPort.get(board.path)!;
        assert.deepEqual([row.chip, row.board, row.detected], [chip, id, true]);
        assert.equal(row.image.from, `${mirrorUrl}${RELEASES[id]}`);
        assert.equal(row.image.pin, 'new');
        assert.ok(holds(board.loader, images[id], releaseOffset(chip)), `${board.path} holds the ${id} release`);
      }
      assert.deepEqual(requests.sort(), Object.values(RELEASES).map((f) => `/mirror/${f}`).sort(), 'one request per release, none to the list baseUrl');
    } finally {
      unplug(...boards);
    }
  });

  it('refuses (exit 2) before writing when the image, --board or the project disagrees with the detected chip', async () => {
    const { dir, env } = workspace();
    writeFileSync(path.join(dir, 'esp32.bin'), syntheticFirmware(64 * 1024, 2, 'ESP32'));
    const board = plug('ESP8266');
    try {
      const wrongImage = await runCli(['flash', '--port', board.path, '--image', 'esp32.bin'], { cwd: dir, env, serialBinding: VirtualBinding });
      assert.equal(wrongImage.code, 2, wrongImage.stderr);
      assert.match(wrongImage.stderr, /the image cannot go on board 'esp8266' \(ESP8266\): built for ESP32, not ESP8266/);
      assert.match(wrongImage.stderr, /Nothing was written/);

      // With the board named, a wrong image is refused before the port is even opened.
      const resetsBefore = board.loader.stats.resets;
      const named = await runCli(['flash', '--port', board.path, '--board', 'esp8266', '--image', 'esp32.bin'], { cwd: dir, env, serialBinding: VirtualBinding });
      assert.equal(named.code, 2);
      assert.match(named.stderr, /the image cannot go on board 'esp8266' \(ESP8266\): built for ESP32, not ESP8266/);
      assert.equal(board.loader.stats.resets, resetsBefore, 'the board was not reset');
      const resets = resetsBefore;

      const wrongBoard = await runCli(['flash', '--port', board.path, '--board', 'esp32', '--image', 'esp32.bin'], { cwd: dir, env, serialBinding: VirtualBinding });
      assert.equal(wrongBoard.code, 2);
      assert.match(wrongBoard.stderr, new RegExp(`port ${board.path} has an ESP8266, but board 'esp32' is an esp32`));
      assert.match(wrongBoard.stderr, /flash it as what it is: --board esp8266\. Nothing was written\./);
      assert.ok(board.loader.stats.resets > resets, 'only a mismatch found by asking the chip resets the board');

      // A project of several ESP32 devices and no --device: detection, limited to the project's boards.
      const twoTeams = [1, 2].map((n) => ({ name: `team-${n}`, telemetry: { students: ['A'], group: 'G' } }));
      const project = workspace({ 'mpy-iot.json': labProjectJson({ devices: twoTeams }) });
      writeFileSync(path.join(project.dir, 'esp32.bin'), syntheticFirmware(64 * 1024, 2, 'ESP32'));
      const run = await runCli(['flash', '--port', board.path, '--image', 'esp32.bin'], { cwd: project.dir, env: project.env, serialBinding: VirtualBinding });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /the detected chip is an ESP8266 \(board esp8266\), but the project's devices are esp32/);
      assert.ok(untouched(board.loader), 'nothing written');
      assert.equal(board.loader.stats.byCommand['FLASH_DEFL_BEGIN'] ?? 0, 0);
    } finally {
      unplug(board);
    }
  });

  it('a corrupted release from --image-dir (or MPY_IOT_IMAGE_DIR) is refused with exit 2; the board and the cache are untouched', async () => {
    const { dir, env } = workspace();
    const folder = path.join(dir, 'images');
    const damaged = images.esp32.slice();
    damaged[damaged.length - 20] = damaged[damaged.length - 20]! ^ 0x80; // inside the app's appended SHA-256
    mkdirSync(folder);
    writeFileSync(path.join(folder, RELEASES.esp32), damaged);
    const board = plug('ESP32');
    try {
      for (const [args, extraEnv] of [[['--image-dir', 'images'], {}], [[], { MPY_IOT_IMAGE_DIR: 'images' }]] as const) {
        const run = await runCli(['flash', '--port', board.path, '--version', '9.9.9', ...args], { cwd: dir, env: { ...env, ...extraEnv }, serialBinding: VirtualBinding });
        assert.equal(run.code, 2, run.stdout + run.stderr);
        assert.match(run.stderr, new RegExp(`MicroPython 9\\.9\\.9 for esp32 from .*${RELEASES.esp32} is not a valid ESP32 release: the app image at flash 0x10000 \\('factory'\\): SHA-256 mismatch`));
        assert.match(run.stderr, /Replace .* with the original/);
      }
      assert.ok(untouched(board.loader), 'nothing written to the board');
      assert.ok(!existsSync(path.join(dir, 'cache', 'firmware', 'pins.json')), 'nothing pinned');

      writeFileSync(path.join(folder, RELEASES.esp32), images.esp32);
      const good = await runCli(['flash', '--port', board.path, '--version', '9.9.9', '--image-dir', 'images'], { cwd: dir, env, serialBinding: VirtualBinding });
      assert.equal(good.code, 0, good.stdout + good.stderr);
      assert.match(good.stderr, /MicroPython 9\.9\.9 from .*images.*: structure verified \(.*partition table at 0x8000: 4 entries, MD5.*\), sha256 pinned now \(first use\) in .*pins\.json/);
      assert.ok(holds(board.loader, images.esp32, 0x1000));
    } finally {
      unplug(board);
    }
  });

  it('a mirror serving a different file for a pinned version: exit 2 and the fix; --repin accepts it', async () => {
    const { dir, env } = workspace();
    const board = plug('ESP32');
    try {
      const first = await runCli(['flash', '--port', board.path, '--board', 'esp32', '--version', '9.9.9', '--mirror', mirrorUrl], { cwd: dir, env, serialBinding: VirtualBinding });
      assert.equal(first.code, 0, first.stderr);
      // The cache is cleared (a new term, a new laptop image…) and the mirror now has another build.
      rmSync(path.join(dir, 'cache', 'firmware', 'esp32'), { recursive: true });
      const other = syntheticRelease('ESP32', 96 * 1024, 77);
      served.set(RELEASES.esp32, other);
      board.loader.flash.fill(0xff);
      const changed = await runCli(['flash', '--port', board.path, '--board', 'esp32', '--version', '9.9.9', '--mirror', mirrorUrl], { cwd: dir, env, serialBinding: VirtualBinding });
      assert.equal(changed.code, 2, changed.stderr);
      assert.match(changed.stderr, /is not the file pinned on first use: sha256 [0-9a-f]{64} \(\d+ bytes\), pinned [0-9a-f]{64}/);
      assert.match(changed.stderr, /accept it with --repin/);
      assert.ok(untouched(board.loader), 'nothing written');
      const repinned = await runCli(['flash', '--port', board.path, '--board', 'esp32', '--version', '9.9.9', '--mirror', mirrorUrl, '--repin'], { cwd: dir, env, serialBinding: VirtualBinding });
      assert.equal(repinned.code, 0, repinned.stderr);
      assert.match(repinned.stderr, /sha256 re-pinned \(--repin\)/);
      assert.ok(holds(board.loader, other, 0x1000));
    } finally {
      served.set(RELEASES.esp32, images.esp32);
      unplug(board);
    }
  });

  it('bad source flags are named (exit 2) before any port is touched', async () => {
    const { dir, env } = workspace();
    const board = plug('ESP32');
    try {
      const ftp = await runCli(['flash', '--port', board.path, '--version', '9.9.9', '--mirror', 'ftp://teacher/fw'], { cwd: dir, env, serialBinding: VirtualBinding });
      assert.equal(ftp.code, 2);
      assert.match(ftp.stderr, /--mirror 'ftp:\/\/teacher\/fw' is not an http:\/\/ or https:\/\/ URL/);
      const login = await runCli(['flash', '--port', board.path, '--version', '9.9.9', '--mirror', 'http://teacher:s3cret-pw@127.0.0.1:9/fw/'], { cwd: dir, env, serialBinding: VirtualBinding });
      assert.equal(login.code, 2);
      assert.match(login.stderr, /--mirror http:\/\/teacher:\*\*\*@127\.0\.0\.1:9\/fw\/ carries a user name or password/);
      assert.doesNotMatch(login.stdout + login.stderr, /s3cret-pw/);
      const both = await runCli(['flash', '--port', board.path, '--version', '9.9.9'], { cwd: dir, env: { ...env, MPY_IOT_MIRROR: mirrorUrl, MPY_IOT_IMAGE_DIR: dir }, serialBinding: VirtualBinding });
      assert.equal(both.code, 2);
      assert.match(both.stderr, /MPY_IOT_MIRROR and MPY_IOT_IMAGE_DIR are both set/);
      const withImage = await runCli(['flash', '--port', board.path, '--image', 'x.bin', '--mirror', mirrorUrl], { cwd: dir, env, serialBinding: VirtualBinding });
      assert.equal(withImage.code, 2);
      assert.equal(board.loader.stats.resets, 0, 'the board was not even reset');
    } finally {
      unplug(board);
    }
  });

  it('detects the chip over a pseudo-terminal (the OS serial stack, no reset lines)', async () => {
    const { dir, env } = workspace();
    const image = syntheticFirmware(128 * 1024, 9, 'ESP32-C3');
    writeFileSync(path.join(dir, 'fw.bin'), image);
    const loader = createVirtualLoader({ chip: 'ESP32-C3' });
    loader.reset('download'); // a pty carries no reset lines: the board waits in download mode
    const pty = await exposeOnPty(loader.farEnd);
    try {
      const run = await runCli(['flash', '--port', pty.path, '--image', 'fw.bin', '--json'], { cwd: dir, env });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const row = run.json<{ ports: { chip: string; board: string; detected: boolean }[] }>().ports[0]!;
      assert.deepEqual([row.chip, row.board, row.detected], ['ESP32-C3', 'esp32c3', true]);
      assert.ok(holds(loader, image, 0x0));
    } finally {
      pty.close();
      loader.dispose();
    }
  });
});
