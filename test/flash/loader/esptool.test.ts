// esptool-js 0.7.0 (ESPLoader + its Transport) against the virtual loader, through a Web-Serial
// shaped port written here (FarEndSerialPort). tools/flash owns the real adapter over SerialLink.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ESPLoader, HardReset, Transport, type IEspLoaderTerminal, type ResetConstructors } from 'esptool-js';
import { createVirtualLoader, type ChipName, type LoaderEvent, type VirtualLoaderOptions } from '../../../tools/flash/loader/index.ts';
import { FarEndSerialPort, makeImage } from './helpers.ts';

const md5hex = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');

function terminal(log: string[]): IEspLoaderTerminal {
  let line = '';
  return {
    clean: () => {},
    writeLine: (text: string) => {
      log.push(line + text);
      line = '';
    },
    write: (text: string) => {
      line += text;
    },
  };
}

async function connect(options: VirtualLoaderOptions, baudrate = 460800, resetConstructors?: ResetConstructors) {
  const events: LoaderEvent[] = [];
  const loader = createVirtualLoader({ flashTiming: false, ...options, onEvent: (e) => events.push(e) });
  const usb = loader.facts.usb;
  const port = new FarEndSerialPort(loader.farEnd, usb ? { usbVendorId: usb.vendorId, usbProductId: usb.productId } : undefined);
  const transport = new Transport(port as unknown as ConstructorParameters<typeof Transport>[0], false);
  transport.trace = () => {}; // readLoop traces "Serial port done" to the console even with tracing off
  const log: string[] = [];
  const esp = new ESPLoader({ transport, baudrate, romBaudrate: 115200, terminal: terminal(log), resetConstructors });
  const chip = await esp.main();
  return { loader, port, transport, esp, chip, log, events };
}

const DESCRIPTION: Record<ChipName, RegExp> = {
  ESP32: /^ESP32-D0WD-V3 \(revision 3\)$/,
  ESP8266: /^ESP8266EX$/,
  'ESP32-S3': /^ESP32-S3 \(QFN56\) \(revision v0\.2\)$/,
  'ESP32-C3': /^ESP32-C3 \(QFN32\) \(revision v0\.4\)$/,
};

describe('esptool-js against the virtual loader', { timeout: 120_000 }, () => {
  for (const chip of ['ESP32', 'ESP8266', 'ESP32-S3', 'ESP32-C3'] as const) {
    it(`${chip}: main() detects the chip, runs the stub at 460800; writeFlash (compressed) lands and MD5 verifies`, async () => {
      const mac = '24:6f:28:aa:bb:cc';
      const { loader, port, transport, esp, chip: description, log } = await connect({ chip, mac });
      try {
        assert.match(description, DESCRIPTION[chip]);
        assert.ok(log.includes(`MAC: ${mac}`), log.join('\n'));
        assert.ok(log.includes('Stub running...'));
        assert.ok(log.includes('Flash ID: 1640ef'), 'RDID through the SPI registers');
        assert.equal(loader.state, 'stub');
        assert.equal(loader.baud, 460800);
        assert.deepEqual(port.bauds, [115200, 460800], 'changeBaud reopened the port');
        const image = makeImage(chip === 'ESP32' ? 400_000 : 150_000, 42);
        const address = loader.facts.bootloaderOffset;
        await esp.writeFlash({
          fileArray: [{ data: image, address }],
          flashSize: 'keep', flashMode: 'keep', flashFreq: 'keep', eraseAll: false, compress: true,
          calculateMD5Hash: md5hex,
        });
        assert.ok(log.includes('Hash of data verified.'));
        assert.deepEqual(loader.flash.subarray(address, address + image.length), image);
        assert.equal(await esp.flashMd5sum(address, image.length), md5hex(image));
      } finally {
        await transport.disconnect();
        loader.dispose();
      }
    });
  }

  it('eraseFlash, readFlash and a plain (uncompressed) write through the stub', async () => {
    const { loader, transport, esp } = await connect({ chip: 'ESP32' });
    try {
      loader.flash.fill(0x12, 0, 0x10000);
      await esp.eraseFlash();
      assert.ok(loader.flash.every((b) => b === 0xff));
      const image = makeImage(0x5000, 3);
      await esp.writeFlash({ fileArray: [{ data: image, address: 0x10000 }], flashSize: 'keep', flashMode: 'keep', flashFreq: 'keep', eraseAll: false, compress: false });
      assert.deepEqual(loader.flash.subarray(0x10000, 0x15000), image);
      assert.deepEqual(await esp.readFlash(0x10000, image.length), image);
    } finally {
      await transport.disconnect();
      loader.dispose();
    }
  });

  it('injected bad-checksum replies are retried by esptool-js and the image still verifies', async () => {
    const { loader, transport, esp, events } = await connect({ chip: 'ESP32', faults: { badChecksumReplyEvery: 7 } });
    try {
      const image = makeImage(300_000, 8);
      await esp.writeFlash({ fileArray: [{ data: image, address: 0x1000 }], flashSize: 'keep', flashMode: 'keep', flashFreq: 'keep', eraseAll: false, compress: true, calculateMD5Hash: md5hex });
      assert.ok(events.some((e) => e.type === 'fault' && e.kind === 'bad-checksum'));
      assert.deepEqual(loader.flash.subarray(0x1000, 0x1000 + image.length), image);
    } finally {
      await transport.disconnect();
      loader.dispose();
    }
  });

  it("after('hard_reset'): esptool-js's HardReset only releases RTS, so the chip stays in the stub; an RTS pulse with DTR released boots the app", async () => {
    const plain = await connect({ chip: 'ESP32' });
    try {
      await plain.esp.after('hard_reset');
      await sleep(30);
      assert.equal(plain.loader.state, 'stub');
    } finally {
      await plain.transport.disconnect();
      plain.loader.dispose();
    }
    // Transport.setSignals never records DTR=false (`if (dtr) this._DTR_state = dtr`) and setRTS
    // re-sends that stale DTR=true: a naive setRTS(true)/setRTS(false) pulse holds EN for an instant
    // only and leaves IO0 low. Release DTR explicitly before pulsing RTS.
    class PulseReset extends HardReset {
      override async reset(): Promise<void> {
        await this.transport.setDTR(false);
        await this.transport.setRTS(true);
        await sleep(100);
        await this.transport.setRTS(false);
      }
    }
    const hardReset = (transport: Transport): HardReset => new PulseReset(transport);
    const pulsed = await connect({ chip: 'ESP32' }, 460800, { hardReset });
    try {
      await pulsed.esp.after('hard_reset');
      await sleep(30);
      assert.equal(pulsed.loader.state, 'app');
      assert.ok(pulsed.events.some((e) => e.type === 'reset' && e.bootMode === 'normal'));
    } finally {
      await pulsed.transport.disconnect();
      pulsed.loader.dispose();
    }
  });
});
