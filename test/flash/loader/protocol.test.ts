// The loader driven with protocol frames written from protocols.md §2, no esptool-js involved.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import {
  CHIP_DETECT_MAGIC_REG,
  CHIP_NAMES,
  encodeDataRequest,
  encodeRequest,
  Op,
  RomError,
  slipEncode,
  StubError,
  syncPayload,
  words,
  type ChipName,
} from '../../../tools/flash/loader/index.ts';
import { makeImage, ProtocolHost } from './helpers.ts';

const MAGIC: Record<ChipName, number> = { ESP32: 0x00f01d83, ESP8266: 0xfff0c101, 'ESP32-S3': 0x00000009, 'ESP32-C3': 0x1b31506f };
const ROM_STATUS: Record<ChipName, number> = { ESP32: 4, ESP8266: 2, 'ESP32-S3': 4, 'ESP32-C3': 4 };
const md5hex = (data: Uint8Array): string => createHash('md5').update(data).digest('hex');

async function stubHost(chip: ChipName): Promise<ProtocolHost> {
  const host = new ProtocolHost({ chip });
  const after = await host.uploadStub();
  assert.equal(host.loader.state, 'stub');
  assert.ok(after.some((p) => Buffer.from(p).toString('latin1') === 'OHAI'));
  return host;
}

/** Compressed write the way esptool-js's stub path does it: exact size, 0x4000-byte blocks, then DEFL_END. */
function deflWrite(host: ProtocolHost, image: Uint8Array, offset: number, blockSize = 0x4000, romWords = 4): void {
  const compressed = deflateSync(image, { level: 9 });
  const blocks = Math.ceil(compressed.length / blockSize);
  const size = host.loader.state === 'stub' ? image.length : Math.ceil(image.length / blockSize) * blockSize;
  const begin = romWords === 5 ? words(size, blocks, blockSize, offset, 0) : words(size, blocks, blockSize, offset);
  host.expectOk(host.one(Op.FLASH_DEFL_BEGIN, begin));
  for (let seq = 0; seq < blocks; seq++) host.expectOk(host.data(Op.FLASH_DEFL_DATA, seq, compressed.subarray(seq * blockSize, (seq + 1) * blockSize)));
}

describe('virtual loader: ROM', () => {
  for (const chip of CHIP_NAMES) {
    it(`${chip}: SYNC gets 8 replies, READ_REG gets the chip magic, ${ROM_STATUS[chip]} status bytes`, () => {
      const host = new ProtocolHost({ chip });
      assert.equal(host.loader.state, 'rom');
      const syncs = host.command(Op.SYNC, syncPayload());
      assert.equal(syncs.length, 8);
      for (const reply of syncs) {
        assert.equal(reply.op, Op.SYNC);
        assert.notEqual(reply.value, 0, 'a ROM sync value is non-zero (0 means "stub running")');
        assert.equal(reply.size, ROM_STATUS[chip]);
        assert.equal(reply.status, 0);
      }
      const magic = host.one(Op.READ_REG, words(CHIP_DETECT_MAGIC_REG));
      assert.equal(magic.value, MAGIC[chip]);
      assert.equal(magic.size, ROM_STATUS[chip]);
    });
  }

  it('GET_SECURITY_INFO: unknown to the ESP32 ROM (error 0x05 under another command byte), chip id 9 from the S3 ROM', () => {
    const esp32 = new ProtocolHost({ chip: 'ESP32' }).one(Op.GET_SECURITY_INFO);
    assert.notEqual(esp32.op, Op.GET_SECURITY_INFO);
    assert.deepEqual([esp32.status, esp32.error], [1, RomError.INVALID_MESSAGE]);
    const s3 = new ProtocolHost({ chip: 'ESP32-S3' }).one(Op.GET_SECURITY_INFO);
    assert.equal(s3.payload.length, 20);
    assert.equal(Buffer.from(s3.payload).readUInt32LE(12), 9);
    assert.equal(s3.status, 0);
  });

  it('MAC efuses read back as esptool-js decodes them (ESP32 words 1/2, ESP8266 efuse0/1/3)', () => {
    const esp32 = new ProtocolHost({ chip: 'ESP32', mac: '24:0a:c4:12:34:56' });
    const w1 = esp32.one(Op.READ_REG, words(0x3ff5a004)).value;
    const w2 = esp32.one(Op.READ_REG, words(0x3ff5a008)).value;
    assert.equal(w1, 0xc4123456);
    assert.equal(w2, 0x240a);
    const esp8266 = new ProtocolHost({ chip: 'ESP8266', mac: '5c:cf:7f:01:02:03' });
    assert.equal(esp8266.one(Op.READ_REG, words(0x3ff0005c)).value, 0x5ccf7f);
    assert.equal(esp8266.one(Op.READ_REG, words(0x3ff00054)).value, 0x0102);
    assert.equal(esp8266.one(Op.READ_REG, words(0x3ff00050)).value >>> 24, 0x03);
  });

  it('SPI flash id through the SPI user-command registers (WRITE_REG/READ_REG) reads 0x1640EF for 4 MiB', () => {
    const host = new ProtocolHost({ chip: 'ESP32' });
    const base = 0x3ff42000;
    host.expectOk(host.one(Op.WRITE_REG, words(base + 0x24, (7 << 28) | 0x9f, 0xffffffff, 0)));
    host.expectOk(host.one(Op.WRITE_REG, words(base + 0x80, 0, 0xffffffff, 0)));
    host.expectOk(host.one(Op.WRITE_REG, words(base, 1 << 18, 0xffffffff, 0)));
    assert.equal(host.one(Op.READ_REG, words(base)).value & (1 << 18), 0, 'command done');
    assert.equal(host.one(Op.READ_REG, words(base + 0x80)).value, 0x1640ef);
  });

  it('SPI_ATTACH takes the ROM extra word; SPI_SET_PARAMS is known to the ESP32 ROM only', () => {
    const esp32 = new ProtocolHost({ chip: 'ESP32' });
    assert.equal(esp32.one(Op.SPI_ATTACH, words(0, 0)).status, 0);
    assert.equal(esp32.one(Op.SPI_SET_PARAMS, words(0, 4 << 20, 0x10000, 0x1000, 0x100, 0xffff)).status, 0);
    const esp8266 = new ProtocolHost({ chip: 'ESP8266' }).one(Op.SPI_SET_PARAMS, words(0, 4 << 20, 0x10000, 0x1000, 0x100, 0xffff));
    assert.deepEqual([esp8266.status, esp8266.error, esp8266.size], [1, RomError.INVALID_MESSAGE, 2]);
  });

  it('MEM_DATA with a bad checksum → ROM error 0x07 (BAD_CRC), nothing loaded', () => {
    const host = new ProtocolHost({ chip: 'ESP32' });
    host.expectOk(host.one(Op.MEM_BEGIN, words(4, 1, 0x1800, 0x40080000)));
    const block = Uint8Array.from([1, 2, 3, 4]);
    const packet = encodeRequest(Op.MEM_DATA, encodeDataRequest(Op.MEM_DATA, 0, block).subarray(8), 0xef ^ 0x55);
    const [reply] = host.sendRaw(slipEncode(packet));
    assert.ok(reply);
    assert.deepEqual([...reply.subarray(8)], [1, RomError.BAD_CRC, 0, 0]);
  });

  it('MEM_BEGIN/DATA/END with the real esptool-js stub → "OHAI", then 2 status bytes, SYNC answered 8 times with 0, 4- or 5-word BEGIN', async () => {
    const host = new ProtocolHost({ chip: 'ESP32' });
    const after = await host.uploadStub();
    // MEM_END's reply (ROM format, 4 status bytes), then the stub's unprompted greeting.
    assert.equal(after.length, 2);
    assert.equal(after[0]![1], Op.MEM_END);
    assert.equal(after[0]!.length, 8 + 4);
    assert.equal(Buffer.from(after[1]!).toString('latin1'), 'OHAI');
    assert.equal(host.loader.state, 'stub');
    // esptool reads 1 + 7 SYNC answers; a running stub must give all eight or the next run cannot sync.
    const sync = host.command(Op.SYNC, syncPayload());
    assert.equal(sync.length, 8);
    assert.ok(sync.every((r) => r.op === Op.SYNC && r.value === 0));
    assert.equal(host.one(Op.READ_REG, words(CHIP_DETECT_MAGIC_REG)).size, 2);
    // esptool v4/v5 send 5 words (the encrypt flag) to the stub; esptool-js 4.
    host.expectOk(host.one(Op.FLASH_BEGIN, words(0, 0, 0x4000, 0, 0)));
    host.expectOk(host.one(Op.FLASH_END, words(1)));
    host.expectOk(host.one(Op.FLASH_DEFL_BEGIN, words(0, 0, 0x4000, 0)));
    host.expectOk(host.one(Op.FLASH_DEFL_END, words(1)));
    assert.equal(host.one(Op.READ_FLASH_SLOW, words(0, 64)).error, 0xff, 'READ_FLASH_SLOW is ROM-only');
  });

  it('FLASH_DEFL_* on the S3 ROM needs the 5th word; data lands at the offset; ROM MD5 is 32 hex chars', () => {
    const host = new ProtocolHost({ chip: 'ESP32-S3' });
    const image = makeImage(100_000, 7);
    const four = host.one(Op.FLASH_DEFL_BEGIN, words(0x20000, 1, 0x4000, 0x10000));
    assert.deepEqual([four.status, four.error], [1, RomError.INVALID_MESSAGE]);
    deflWrite(host, image, 0x10000, 0x4000, 5);
    assert.deepEqual(host.loader.flash.subarray(0x10000, 0x10000 + image.length), image);
    const md5 = host.one(Op.SPI_FLASH_MD5, words(0x10000, image.length, 0, 0));
    assert.equal(md5.size, 32 + 4);
    assert.equal(Buffer.from(md5.payload).toString('latin1'), md5hex(image));
  });

  it('ESP8266 ROM: no DEFL, no MD5; plain FLASH_BEGIN/DATA/END works', () => {
    const host = new ProtocolHost({ chip: 'ESP8266' });
    assert.equal(host.one(Op.FLASH_DEFL_BEGIN, words(0x1000, 1, 0x400, 0)).error, RomError.INVALID_MESSAGE);
    assert.equal(host.one(Op.SPI_FLASH_MD5, words(0, 0x1000, 0, 0)).error, RomError.INVALID_MESSAGE);
    const image = makeImage(0x900, 3);
    host.expectOk(host.one(Op.FLASH_BEGIN, words(image.length, 3, 0x400, 0x2000, 0)));
    for (let seq = 0; seq < 3; seq++) {
      const block = new Uint8Array(0x400).fill(0xff);
      block.set(image.subarray(seq * 0x400, (seq + 1) * 0x400));
      host.expectOk(host.data(Op.FLASH_DATA, seq, block));
    }
    assert.deepEqual(host.loader.flash.subarray(0x2000, 0x2000 + image.length), image);
    assert.equal(host.loader.flash[0x2000 + image.length], 0xff);
    host.expectOk(host.one(Op.FLASH_END, words(1)));
    assert.equal(host.loader.state, 'app', 'ROM FLASH_END 1 = run user code');
  });

  it('READ_FLASH_SLOW on ESP32-family ROMs: 64-byte buffers; the ESP8266 ROM does not know it', () => {
    for (const chip of ['ESP32', 'ESP32-S3', 'ESP32-C3'] as const) {
      const host = new ProtocolHost({ chip });
      host.loader.flash.set([1, 2, 3, 4, 5], 0x3000);
      const reply = host.one(Op.READ_FLASH_SLOW, words(0x3000, 5));
      host.expectOk(reply);
      assert.equal(reply.payload.length, 64);
      assert.deepEqual([...reply.payload.subarray(0, 5)], [1, 2, 3, 4, 5]);
      assert.equal(host.one(Op.READ_FLASH_SLOW, words(0, 65)).error, RomError.READ_LENGTH);
    }
    assert.equal(new ProtocolHost({ chip: 'ESP8266' }).one(Op.READ_FLASH_SLOW, words(0, 64)).error, RomError.INVALID_MESSAGE);
  });

  it('stub-only commands are unknown to the ROM', () => {
    const host = new ProtocolHost({ chip: 'ESP32' });
    for (const op of [Op.ERASE_FLASH, Op.ERASE_REGION, Op.READ_FLASH]) {
      const reply = host.one(op, op === Op.ERASE_FLASH ? undefined : words(0, 0x1000, 0, 0).subarray(0, op === Op.ERASE_REGION ? 8 : 16));
      assert.deepEqual([reply.status, reply.error], [1, RomError.INVALID_MESSAGE]);
    }
  });
});

describe('virtual loader: stub', () => {
  for (const chip of ['ESP32', 'ESP8266'] as const) {
    it(`${chip}: FLASH_DEFL_* of zlib data → flash equals the data at the offset; stub MD5 is 16 raw bytes`, async () => {
      const host = await stubHost(chip);
      const image = makeImage(300_000, 11);
      const offset = chip === 'ESP32' ? 0x1000 : 0;
      deflWrite(host, image, offset);
      host.expectOk(host.one(Op.FLASH_DEFL_END, words(1)));
      assert.equal(host.loader.state, 'stub');
      assert.deepEqual(host.loader.flash.subarray(offset, offset + image.length), image);
      assert.equal(host.loader.flash[offset + image.length], 0xff);
      const md5 = host.one(Op.SPI_FLASH_MD5, words(offset, image.length, 0, 0));
      assert.equal(md5.size, 16 + 2);
      assert.equal(Buffer.from(md5.payload).toString('hex'), md5hex(image));
    });
  }

  it('FLASH_DEFL_END before all data → NOT_ENOUGH_DATA; a wrong seq → error; a resent block is not programmed twice', async () => {
    const host = await stubHost('ESP32');
    const image = makeImage(50_000, 5);
    const compressed = deflateSync(image);
    const blocks = Math.ceil(compressed.length / 0x2000);
    host.expectOk(host.one(Op.FLASH_DEFL_BEGIN, words(image.length, blocks, 0x2000, 0x8000)));
    host.expectOk(host.data(Op.FLASH_DEFL_DATA, 0, compressed.subarray(0, 0x2000)));
    host.expectOk(host.data(Op.FLASH_DEFL_DATA, 0, compressed.subarray(0, 0x2000)));
    assert.equal(host.data(Op.FLASH_DEFL_DATA, 2, compressed.subarray(0x4000, 0x6000)).status, 1);
    const end = host.one(Op.FLASH_DEFL_END, words(1));
    assert.deepEqual([end.status, end.error], [1, StubError.NOT_ENOUGH_DATA]);
  });

  it('ERASE_REGION (sector-aligned only) and ERASE_FLASH', async () => {
    const host = await stubHost('ESP32');
    host.loader.flash.fill(0x00);
    assert.equal(host.one(Op.ERASE_REGION, words(0x1800, 0x1000)).error, StubError.BAD_DATA_LEN);
    host.expectOk(host.one(Op.ERASE_REGION, words(0x2000, 0x3000)));
    assert.equal(host.loader.flash[0x1fff], 0x00);
    assert.ok(host.loader.flash.subarray(0x2000, 0x5000).every((b) => b === 0xff));
    assert.equal(host.loader.flash[0x5000], 0x00);
    host.expectOk(host.one(Op.ERASE_FLASH));
    assert.ok(host.loader.flash.every((b) => b === 0xff));
  });

  it('READ_FLASH streams packets against the host acks, then the MD5', async () => {
    const host = await stubHost('ESP32');
    const image = makeImage(10_000, 9);
    host.loader.flash.set(image, 0x4000);
    const start = host.packets.length;
    const [ok] = host.command(Op.READ_FLASH, words(0x4000, image.length, 0x1000, 2));
    assert.equal(ok!.status, 0);
    const received = host.packets.slice(start + 1);
    assert.equal(received.length, 2, 'a window of 2 packets before any ack');
    let total = 0;
    const chunks: Uint8Array[] = [];
    while (total < image.length) {
      const packet = received.shift();
      assert.ok(packet, `a packet after ${total} bytes`);
      chunks.push(packet);
      total += packet.length;
      received.push(...host.sendRaw(slipEncode(words(total))));
    }
    assert.deepEqual(Buffer.concat(chunks), Buffer.from(image));
    assert.equal(Buffer.from(received.shift()!).toString('hex'), md5hex(image));
  });

  it('unknown commands get 0xFF from the stub, under their own command byte', async () => {
    const host = await stubHost('ESP32');
    const reply = host.one(Op.GET_SECURITY_INFO);
    assert.deepEqual([reply.op, reply.status, reply.error], [Op.GET_SECURITY_INFO, 1, StubError.CMD_NOT_IMPLEMENTED]);
  });

  it('CHANGE_BAUDRATE: replies at the old speed; while the host stays there, the chip does not hear it', async () => {
    const host = await stubHost('ESP32');
    host.loader.farEnd.baudRate?.(115200);
    host.expectOk(host.one(Op.CHANGE_BAUDRATE, words(460800, 115200)));
    assert.equal(host.loader.baud, 460800);
    assert.equal(host.command(Op.READ_REG, words(CHIP_DETECT_MAGIC_REG)).length, 0);
    host.loader.farEnd.baudRate?.(460800);
    assert.equal(host.one(Op.READ_REG, words(CHIP_DETECT_MAGIC_REG)).value, 0x00f01d83);
  });
});

describe('virtual loader: faults', () => {
  it('badChecksumReplyEvery: every Nth data block is refused with a checksum error and can be resent', () => {
    const host = new ProtocolHost({ chip: 'ESP32', faults: { badChecksumReplyEvery: 2 } });
    host.expectOk(host.one(Op.MEM_BEGIN, words(8, 2, 4, 0x40080000)));
    host.expectOk(host.data(Op.MEM_DATA, 0, Uint8Array.from([1, 2, 3, 4])));
    const refused = host.data(Op.MEM_DATA, 1, Uint8Array.from([5, 6, 7, 8]));
    assert.deepEqual([refused.status, refused.error], [1, RomError.BAD_CRC]);
    host.expectOk(host.data(Op.MEM_DATA, 1, Uint8Array.from([5, 6, 7, 8])));
  });

  it('dropByteEvery: a frame missing a byte is answered as an invalid message, never applied', () => {
    const host = new ProtocolHost({ chip: 'ESP32', faults: { dropByteEvery: 50 } });
    const replies = host.command(Op.READ_REG, words(CHIP_DETECT_MAGIC_REG)); // 14 bytes framed: intact
    assert.equal(replies[0]!.value, 0x00f01d83);
    const sync = host.command(Op.SYNC, syncPayload()); // 46 bytes framed: the 50th byte overall (a 0x55) is lost
    assert.equal(sync.length, 1);
    assert.deepEqual([sync[0]!.status, sync[0]!.error], [1, RomError.INVALID_MESSAGE]);
    assert.equal(host.loader.stats.bytesDropped, 1);
  });

  it('timeoutOnCommand: the first such command gets no reply, the next one does', () => {
    const host = new ProtocolHost({ chip: 'ESP32', faults: { timeoutOnCommand: Op.READ_REG } });
    assert.equal(host.command(Op.READ_REG, words(CHIP_DETECT_MAGIC_REG)).length, 0);
    assert.equal(host.one(Op.READ_REG, words(CHIP_DETECT_MAGIC_REG)).value, 0x00f01d83);
  });
});
