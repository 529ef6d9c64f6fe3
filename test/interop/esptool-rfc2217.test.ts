// The real esptool v5 against running virtual boards served over RFC 2217 (`simulate --rfc2217`),
// one per board profile: esptool's own DTR/RTS reset sequences (--before default-reset, --after
// hard-reset) reach each board's reset wiring, so it resets a running MicroPython board into its
// ROM loader, flashes it and boots it again — one device, one MAC, the flash deciding what boots.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { rfc2217Fleet, type Rfc2217Fleet } from '../helpers/ptySimulator.ts';
import { esptool, esptoolMatrix, skipWithoutEsptool, testImage } from './esptool.ts';

const BOARDS = ['esp32', 'esp8266', 'esp32s3', 'esp32c3'] as const;
const IMAGE_CHIP_ID: Record<string, number> = { esp32: 0, esp32s3: 9, esp32c3: 5 };
const IMAGE_OFFSET: Record<string, string> = { esp32: '0x1000', esp8266: '0x0', esp32s3: '0x0', esp32c3: '0x0' };

/**
 * Bytes the board sends on its serial port (a raw TCP read: the server sends data without
 * negotiation) until `pattern` has matched `times` times, or `ms` have passed: what a loaded host
 * prints late is still seen, and a board that never prints it is judged on everything it did.
 */
function listen(url: string, pattern: RegExp, times: number, ms: number): Promise<string> {
  const { port } = new URL(url.replace('rfc2217:', 'http:'));
  const global = new RegExp(pattern.source, 'g');
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let text = '';
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(text);
    };
    const timer = setTimeout(done, ms);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if ((text.match(global) ?? []).length >= times) done();
    });
    socket.on('error', reject);
  });
}

// The four boards run side by side (esptool mostly waits on the paced links); each board's steps in order.
describe('esptool v5 on running virtual boards over RFC 2217', { skip: skipWithoutEsptool, concurrency: BOARDS.length }, () => {
  let fleet: Rfc2217Fleet | undefined;
  before(async () => {
    fleet = await rfc2217Fleet('b-', BOARDS, '900s');
  });
  after(() => fleet?.sim.stop());

  for (const board of BOARDS) {
    describe(board, { concurrency: 1 }, () => {
      const url = (): string => fleet!.url(board);
      const boots = (): number => fleet!.boots(board);

      it('--before default-reset takes the running board into its ROM loader; --after hard-reset boots MicroPython again', async () => {
        // The first boot done (it may still be under way when the fleet's ports are up): its line
        // reads like the one the hard reset must bring, and would otherwise arrive during the run.
        await fleet!.sim.waitFor(new RegExp(`b-${board} +│ .*INFO app .*boot=`), 30_000);
        const booted = boots();
        // Only lines printed after this run began count.
        const from = fleet!.sim.stdout().length;
        const run = await esptool(['--port', url(), 'read-mac']);
        assert.equal(run.code, 0, run.output);
        const mac = /MAC:\s+(\S+)/.exec(run.output)?.[1];
        // One device: the ROM reports the MAC the running firmware logs.
        assert.ok(fleet!.sim.stdout().includes(`name=b-${board} board=${board} mac=${mac!.replaceAll(':', '')}`), `MAC ${mac} is the app's`);
        // The EN pin: the ESP8266 reports an external reset; ESP-IDF reports power-on on the ESP32 family.
        const pinBoot = board === 'esp8266' ? 'hard' : 'power_on';
        await fleet!.sim.waitFor(new RegExp(`b-${board} +│ .*INFO app .*boot=${pinBoot}`), 20_000, from);
        assert.ok(boots() > booted, 'the app booted again after the hard reset');
      });

      esptoolMatrix(it, assert, board, url, { before: 'default-reset', baud: 921600 });

      it('after erase-flash the ROM finds no image and prints its boot-failure loop', async () => {
        const run = await esptool(['--port', url(), 'read-mac']); // default --after hard-reset
        assert.equal(run.code, 0, run.output);
        const from = fleet!.sim.stdout().length;
        // The ROM's boot-failure loop prints once a second: two rounds of it, however late.
        const seen = await listen(url(), /invalid header: 0xffffffff/, 2, 20_000);
        assert.ok((seen.match(/invalid header: 0xffffffff/g) ?? []).length >= 2, `the boot-failure loop, twice:\n${seen}`);
        assert.doesNotMatch(seen, /MicroPython/);
        // simulate shows the ROM's lines on the board's console too.
        await fleet!.sim.waitFor(new RegExp(`b-${board} +│ .*invalid header: 0xffffffff`), 10_000, from);
      });

      it('a flashed MicroPython image boots the interpreter, which reports the version the image carries; the files are gone', async () => {
        const { file, data } = testImage(32 * 1024, 7);
        data.fill(0xff, 0, 0x40);
        data.set([0xe9, 0x03, 0x02, 0x20]);
        data.writeUInt16LE(IMAGE_CHIP_ID[board] ?? 0, 12);
        data.write('MicroPython v1.24.1 on 2024-11-29; test build\0', 0x6000, 'latin1');
        (await import('node:fs')).writeFileSync(file, data);
        const from = fleet!.sim.stdout().length;
        const run = await esptool(['--port', url(), '--baud', '921600', 'write-flash', IMAGE_OFFSET[board]!, file]);
        assert.equal(run.code, 0, run.output);
        await fleet!.sim.waitFor(new RegExp(`b-${board} +│ MicroPython v1\\.24\\.1 on 2024-11-29`), 20_000, from);
        // erase-flash wiped the filesystem: no main.py runs, so no app log line after this boot.
        assert.doesNotMatch(fleet!.sim.stdout().slice(from), new RegExp(`b-${board} +│ .*INFO app`));
      });
    });
  }
});
