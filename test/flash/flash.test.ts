// End to end: esptool-js (through the Web Serial adapter and the virtual binding) against the
// virtual ESP ROM loader (tools/flash/loader).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { loadBoards } from '../../tools/boards/index.ts';
import { DeviceError, InputError } from '../../tools/errors.ts';
import { flashBoard, type FlashBoardOptions } from '../../tools/flash/flash.ts';
import { createVirtualLoader, type LoaderEvent, type VirtualLoader, type VirtualLoaderOptions } from '../../tools/flash/loader/index.ts';
import { syntheticFirmware, syntheticRelease } from '../../tools/flash/synthetic.ts';
import { createVirtualPort, removeVirtualPort, VirtualBinding } from '../../tools/serial/virtualBinding.ts';
import { exposeOnPty } from '../../tools/sim/pty.ts';
import { labProjectJson, runCli, tempDir } from '../helpers/cli.ts';
import { uniquePath } from '../serial/farEnds.ts';


const boards = loadBoards();
const esp32 = boards.find('esp32')!;
const esp8266 = boards.find('esp8266')!;
const MiB = 1024 * 1024;
const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

/** A loader on a fresh virtual port (no VID/PID, so `flash --all` in this file never sees it). */
function plug(options: VirtualLoaderOptions, usb?: { vendorId: string; productId: string }): { path: string; loader: VirtualLoader; events: LoaderEvent[] } {
  // Unpaced link and instant flash: these tests are about behaviour; bench/flash.ts measures speed.
  const loader = createVirtualLoader({ flashTiming: false, ...options });
  const events: LoaderEvent[] = [];
  loader.on((event) => events.push(event));
  const path = uniquePath('esp');
  createVirtualPort(path, loader.farEnd, usb ?? {});
  return { path, loader, events };
}

function unplug(...ports: { path: string; loader: VirtualLoader }[]): void {
  for (const { path, loader } of ports) {
    removeVirtualPort(path);
    loader.dispose();
  }
}

const flash = (path: string, options: Partial<FlashBoardOptions> & Pick<FlashBoardOptions, 'board' | 'image'>) => flashBoard({ path, binding: VirtualBinding, baud: 460800, ...options });

function assertWritten(loader: VirtualLoader, image: Uint8Array, offset: number): void {
  assert.ok(Buffer.from(loader.flash.subarray(offset, offset + image.length)).equals(Buffer.from(image)), 'flash holds the image byte for byte');
  assert.ok(loader.flash.subarray(0, offset).every((b) => b === 0xff), 'nothing before the offset');
  assert.ok(loader.flash.subarray(offset + image.length, offset + image.length + 0x10000).every((b) => b === 0xff), 'nothing after the image');
}

describe('flashBoard against the virtual ROM loader', () => {
  const image = syntheticFirmware(1.5 * MiB, 7);

  for (const [board, chip, offset] of [[esp32, 'ESP32', 0x1000], [esp8266, 'ESP8266', 0x0]] as const) {
    it(`writes a 1.5 MB image into a virtual ${chip} at 0x${offset.toString(16)}, verifies the MD5 and boots it`, async () => {
      const image = syntheticFirmware(1.5 * MiB, 7, chip);
      const port = plug({ chip });
      const steps: string[] = [];
      const result = await flash(port.path, { board, image, onProgress: (p) => (p.total === undefined && p.chip === undefined ? steps.push(p.step) : undefined) });
      assert.deepEqual(steps, ['connect', 'detectChip', 'checkChip', 'image', 'stub', 'erase', 'write', 'verify', 'hardReset']);
      assertWritten(port.loader, image, offset);
      assert.equal(result.chip, chip);
      assert.equal(result.mac, port.loader.mac);
      assert.equal(result.md5, md5(image));
      assert.equal(result.bytesWritten, image.length);
      assert.equal(result.baud, 460800);
      assert.ok(result.compressedBytes > 0 && result.compressedBytes < image.length * 0.8, `compressed: ${result.compressedBytes}`);
      assert.ok(port.events.some((e) => e.type === 'md5' && e.offset === offset && e.size === image.length && e.digest === md5(image)), 'the board computed the MD5');
      await sleep(50); // the strap window after the EN pulse
      assert.equal(port.loader.state, 'app', 'hard-reset into the new firmware');
      unplug(port);
    });
  }

  it('refuses a chip that does not match the board before writing anything', async () => {
    const port = plug({ chip: 'ESP8266' });
    await assert.rejects(flash(port.path, { board: esp32, image, label: "device 'team-1'" }), (error: unknown) => {
      assert.ok(error instanceof InputError, String(error));
      assert.equal(error.message, `port ${port.path} has an ESP8266, but device 'team-1' is an esp32`);
      assert.match(error.hint ?? '', /--board esp8266/);
      return true;
    });
    assert.ok(port.loader.flash.every((b) => b === 0xff), 'flash untouched');
    assert.ok(!port.events.some((e) => e.type === 'flash-begin' || e.type === 'erase' || e.type === 'stub-started'), 'no stub, no erase, no write');
    await sleep(50);
    assert.equal(port.loader.state, 'app', 'left running its old firmware');
    unplug(port);
  });

  it('refuses an image built for another chip, or not an ESP image at all, before opening the port', async () => {
    const port = plug({ chip: 'ESP32' });
    await assert.rejects(flash(port.path, { board: esp32, image: syntheticFirmware(64 * 1024, 1, 9) }), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.message, "the image cannot go on board 'esp32' (ESP32): the image is built for ESP32-S3, not ESP32");
      return true;
    });
    const text = new TextEncoder().encode('<html>404 Not Found</html>'.padEnd(4096, ' '));
    await assert.rejects(flash(port.path, { board: esp32, image: text }), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.message, "the image cannot go on board 'esp32' (ESP32): no image header: the first byte is 0x3c, not 0xe9");
      return true;
    });
    const cut = image.subarray(0, 100_000);
    await assert.rejects(flash(port.path, { board: esp32, image: cut }), /the image cannot go on board 'esp32' \(ESP32\): truncated: segment 1 of 1 \(\d+ bytes for 0x3f400020\) runs past the end of the file at byte 100000/);
    assert.ok(port.loader.flash.every((b) => b === 0xff), 'flash untouched');
    assert.equal(port.loader.stats.resets, 0, 'the board was not even reset');
    unplug(port);
  });

  it('erases the whole flash first with erase: true, and only then', async () => {
    const small = syntheticFirmware(256 * 1024, 3);
    const port = plug({ chip: 'ESP32' });
    port.loader.flash.fill(0x00, 0x200000, 0x210000); // an old filesystem
    await flash(port.path, { board: esp32, image: small });
    assert.ok(port.loader.flash.subarray(0x200000, 0x210000).every((b) => b === 0x00), 'kept without erase');
    await flash(port.path, { board: esp32, image: small, erase: true });
    assert.ok(port.loader.flash.subarray(0x200000, 0x210000).every((b) => b === 0xff), 'erased');
    assert.ok(port.events.some((e) => e.type === 'erase' && e.length === port.loader.flash.length));
    assertWritten(port.loader, small, 0x1000);
    unplug(port);
  });

  describe('injected faults: retried, or a clear error; never a silent success', () => {
    const small = syntheticFirmware(256 * 1024, 5);

    it('bad-checksum replies are retried block by block', async () => {
      const port = plug({ chip: 'ESP32', faults: { badChecksumReplyEvery: 5 } });
      const result = await flash(port.path, { board: esp32, image: small });
      assert.ok(port.loader.stats.errorReplies > 0, 'faults happened');
      assert.equal(result.md5, md5(small));
      assertWritten(port.loader, small, 0x1000);
      unplug(port);
    });

    it('a block that gets no reply is sent again after the timeout', async () => {
      const port = plug({ chip: 'ESP32', faults: { timeoutOnCommand: 0x11 } });
      const result = await flash(port.path, { board: esp32, image: small });
      assert.ok(port.events.some((e) => e.type === 'fault' && e.kind === 'timeout'));
      assert.equal(result.md5, md5(small));
      assertWritten(port.loader, small, 0x1000);
      unplug(port);
    });

    it('a command that is never answered ends in a DeviceError naming the step, with a hint', async () => {
      const port = plug({ chip: 'ESP32', faults: { timeoutOnCommand: 0x10 } });
      await assert.rejects(flash(port.path, { board: esp32, image: small }), (error: unknown) => {
        assert.ok(error instanceof DeviceError);
        assert.match(error.message, new RegExp(`flashing ${port.path} failed at write`));
        assert.ok(error.hint);
        return true;
      });
      unplug(port);
    });

    it('a few dropped bytes: the hit blocks are sent again and the result verified', async () => {
      const port = plug({ chip: 'ESP32', faults: { dropByteEvery: 60_000 } });
      const result = await flash(port.path, { board: esp32, image: small });
      assert.ok(port.loader.stats.bytesDropped > 0 && port.loader.stats.errorReplies > 0, 'faults happened and were answered');
      assert.equal(result.md5, md5(small));
      assertWritten(port.loader, small, 0x1000);
      unplug(port);
    });

    it('many dropped bytes: a clear error with a hint, not a half-written "success"', async () => {
      const port = plug({ chip: 'ESP32', faults: { dropByteEvery: 5_000 } });
      await assert.rejects(flash(port.path, { board: esp32, image: small }), (error: unknown) => {
        assert.ok(error instanceof DeviceError, String(error));
        assert.match(error.message, new RegExp(`flashing ${port.path} failed at (stub|write|verify)`));
        assert.match(error.hint ?? '', /lower --baud/);
        return true;
      });
      unplug(port);
    });

    it('a board unplugged mid-write is reported as disconnected, not as noise', async () => {
      const port = plug({ chip: 'ESP32' });
      const flashing = flash(port.path, {
        board: esp32,
        image: small,
        onProgress: (p) => {
          if (p.step === 'write' && (p.written ?? 0) > 0) removeVirtualPort(port.path);
        },
      });
      await assert.rejects(flashing, (error: unknown) => {
        assert.ok(error instanceof DeviceError);
        assert.equal(error.message, `${port.path} disconnected during write: the board may hold a half-written image`);
        assert.match(error.hint ?? '', /cable/);
        return true;
      });
      port.loader.dispose();
    });

    it('a board that never enters the ROM loader is reported with the boot-mode hint', async () => {
      const port = plug({ chip: 'ESP32', faults: { dropByteEvery: 1 } });
      await assert.rejects(flash(port.path, { board: esp32, image: small }), (error: unknown) => {
        assert.ok(error instanceof DeviceError);
        assert.match(error.message, new RegExp(`cannot reach the ROM loader on ${port.path}`));
        assert.match(error.hint ?? '', /BOOT|cable/);
        return true;
      });
      unplug(port);
    });
  });
});

describe('mpy-iot flash (CLI)', () => {
  const image = syntheticFirmware(256 * 1024, 11);
  const cp210x = { vendorId: '10c4', productId: 'ea60' };

  it('--all flashes every detected board in parallel; one faulty board is reported, the others succeed, exit 3', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'fw.bin'), image);
    const good = [plug({ chip: 'ESP32' }, cp210x), plug({ chip: 'ESP32' }, cp210x), plug({ chip: 'ESP32' }, cp210x)];
    const bad = plug({ chip: 'ESP32', faults: { timeoutOnCommand: 0x10 } }, cp210x);
    const run = await runCli(['flash', '--all', '--board', 'esp32', '--image', 'fw.bin', '--json'], { cwd: dir, serialBinding: VirtualBinding });
    assert.equal(run.code, 3, run.stderr);
    const doc = run.json<{ ok: boolean; ports: { port: string; ok: boolean; md5?: string; error?: string }[] }>();
    assert.equal(doc.ok, false);
    assert.equal(doc.ports.length, 4);
    for (const port of good) {
      assert.equal(doc.ports.find((p) => p.port === port.path)?.md5, md5(image));
      assertWritten(port.loader, image, 0x1000);
    }
    const failed = doc.ports.find((p) => p.port === bad.path)!;
    assert.equal(failed.ok, false);
    assert.match(failed.error ?? '', /failed at write/);
    unplug(...good, bad);
  });

  it("names the project device in a mismatch and prints the summary table", async () => {
    const dir = tempDir({ 'mpy-iot.json': labProjectJson() });
    writeFileSync(path.join(dir, 'fw.bin'), image);
    const wrong = plug({ chip: 'ESP8266' });
    const run = await runCli(['flash', '--port', wrong.path, '--image', 'fw.bin'], { cwd: dir, serialBinding: VirtualBinding });
    assert.equal(run.code, 2, 'a board that disagrees with the project is bad input, not a device failure');
    assert.match(run.stderr, new RegExp(`port ${wrong.path} has an ESP8266, but device 'team-1' is an esp32`));
    const right = plug({ chip: 'ESP32' });
    const ok = await runCli(['flash', '--port', right.path, '--image', 'fw.bin', '--baud', '921600'], { cwd: dir, serialBinding: VirtualBinding });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /ok\s+ESP32/);
    assert.match(ok.stdout, /1 board flashed with fw\.bin/);
    assertWritten(right.loader, image, 0x1000);
    unplug(wrong, right);
  });

  it('flashes a loader exposed on a pseudo-terminal through the OS serial stack (no DTR/RTS there)', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'fw.bin'), image);
    const loader = createVirtualLoader({ chip: 'ESP32' });
    loader.reset('download'); // a pty carries no reset lines: the board waits in download mode
    const pty = await exposeOnPty(loader.farEnd);
    try {
      const run = await runCli(['flash', '--port', pty.path, '--board', 'esp32', '--image', 'fw.bin'], { cwd: dir });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stderr, /no DTR\/RTS lines/);
      assertWritten(loader, image, 0x1000);
    } finally {
      pty.close();
      loader.dispose();
    }
  });

  it('--version downloads a release once (verified, pinned), then flashes from the cache with no request', async () => {
    const requests: string[] = [];
    const release = syntheticRelease('ESP32', 128 * 1024);
    const server = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      res.end(release);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const dir = tempDir({
      'releases.json': {
        baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fw/`,
        boards: { esp32: { '9.9.9': { url: 'TEST-v9.9.9.bin' } } },
      },
    });
    const env = { MPY_IOT_RELEASES: 'releases.json', MPY_IOT_CACHE_DIR: path.join(dir, 'cache') };
    const ports = [plug({ chip: 'ESP32' }), plug({ chip: 'ESP32' })];
    try {
      for (const port of ports) {
        const run = await runCli(['flash', '--port', port.path, '--board', 'esp32', '--version', '9.9.9', '--json'], { cwd: dir, env, serialBinding: VirtualBinding });
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.equal(run.json<{ image: { pin: string } }>().image.pin, port === ports[0] ? 'new' : 'matched');
        assertWritten(port.loader, release, 0x1000);
      }
      assert.deepEqual(requests, ['/fw/TEST-v9.9.9.bin'], 'downloaded once, then reused');
    } finally {
      server.close();
      unplug(...ports);
    }
  });
});
