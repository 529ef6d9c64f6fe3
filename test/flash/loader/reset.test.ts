// DTR/RTS through SerialFarEnd.signals() with real waits, as a host's port would change them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createVirtualLoader, type ChipName, type LoaderEvent } from '../../../tools/flash/loader/index.ts';

// esptool's `D1` then `R0` are two calls; a host that deschedules this process between them for
// longer than the default 10 ms window would make the chip boot the app, as a real board whose EN
// rose too early would. A wider window keeps these tests about the decoding, not the host's load.
const STRAP_WINDOW_MS = 60;

/** Plays `D0|R1|W100…` on a far end: each D/R is one signals() call carrying both lines. */
async function play(chip: ChipName, sequence: string): Promise<{ state: string; text: string; events: LoaderEvent[] }> {
  const events: LoaderEvent[] = [];
  const loader = createVirtualLoader({ chip, strapWindowMs: STRAP_WINDOW_MS, onEvent: (e) => events.push(e) });
  let text = '';
  loader.farEnd.connect((bytes) => (text += Buffer.from(bytes).toString('latin1')));
  const lines = { dtr: false, rts: false };
  for (const step of sequence.split(/[|\s]+/).filter(Boolean)) {
    const value = Number(step.slice(1));
    if (step[0] === 'W') await sleep(value);
    else {
      if (step[0] === 'D') lines.dtr = value === 1;
      else lines.rts = value === 1;
      loader.farEnd.signals?.({ ...lines });
    }
  }
  await sleep(STRAP_WINDOW_MS + 20); // past the strap window
  loader.dispose();
  return { state: loader.state, text, events };
}

describe('virtual loader: reset lines', () => {
  it('classic D0|R1|W100|D1|R0|W50|D0 enters the ROM loader and prints the download banner', async () => {
    const { state, text, events } = await play('ESP32', 'D0|R1|W100|D1|R0|W50|D0');
    assert.equal(state, 'rom');
    assert.match(text, /boot:0x3 \(DOWNLOAD_BOOT[^)]*\)\)\r\nwaiting for download\r\n/);
    // The regex esptool-js uses to recognise a download-mode boot log.
    assert.match(text, /boot:(0x[0-9a-fA-F]+)([\s\S]*?waiting for download)?/);
    assert.deepEqual(events.filter((e) => e.type === 'reset'), [{ type: 'reset', bootMode: 'download', cause: 'reset' }]);
  });

  it('a plain RTS pulse boots the app (and an erased flash says so)', async () => {
    const { state, text } = await play('ESP32', 'R1|W100|R0');
    assert.equal(state, 'app');
    assert.match(text, /boot:0x13 \(SPI_FAST_FLASH_BOOT\)/);
    assert.match(text, /invalid header: 0xffffffff/);
  });

  it('ESP8266 takes the classic sequence too', async () => {
    assert.equal((await play('ESP8266', 'D0|R1|W100|D1|R0|W50|D0')).state, 'rom');
  });

  it('ESP32-S3 (USB-Serial/JTAG): the esptool USB sequence enters download, the classic one does not', async () => {
    assert.equal((await play('ESP32-S3', 'R0 D0 W100 D1 R0 W100 R1 D0 R1 W100 R0 D0')).state, 'rom');
    assert.equal((await play('ESP32-S3', 'D0|R1|W100|D1|R0|W50|D0')).state, 'app');
  });

  it('while EN is held the chip ignores input', async () => {
    const loader = createVirtualLoader({ chip: 'ESP32' });
    loader.farEnd.connect(() => {});
    loader.reset('download');
    loader.farEnd.signals?.({ dtr: false, rts: true });
    assert.equal(loader.state, 'held');
    loader.farEnd.receive(Uint8Array.from([0xc0, 0x00, 0x08, 0xc0]));
    assert.equal(loader.stats.bytesIgnored, 4);
    loader.dispose();
  });
});
