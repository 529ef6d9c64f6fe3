// The virtual flash takes the time a real SPI NOR flash takes (FLASH_TIMING, W25Q32JV typ.): the
// ROM answers FLASH_BEGIN only once the region is erased, the stub ERASE_REGION once erased, and a
// stream of stub data blocks is acknowledged no faster than the flash can erase and program them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createVirtualLoader, encodeRequest, Op, parseResponse, slipEncode, SlipDecoder, words, type VirtualLoader } from '../../../tools/flash/loader/index.ts';
import { FLASH_TIMING } from '../../../tools/flash/loader/flashWriter.ts';
import { runnableClock } from '../../helpers/clock.ts';
import { ProtocolHost } from './helpers.ts';

// Replies are stamped on the wall clock (a lower bound: the flash is never faster than its
// datasheet) and on this thread's own clock (an upper bound: time it waited for a CPU on a loaded
// host is not the flash's).
const ownClock = runnableClock();
interface Packet {
  op: number;
  at: number;
  own: number;
}

/** Sends one request and resolves with how long the reply took (ms), on the wall and on this thread's own clock. */
function timed(loader: VirtualLoader, packets: Packet[], op: number, data: Uint8Array): Promise<{ wall: number; own: number }> {
  const [sent, ownSent] = [performance.now(), ownClock()];
  const before = packets.length;
  loader.farEnd.receive(slipEncode(encodeRequest(op, data)));
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const look = (): void => {
      const reply = packets.slice(before).find((p) => p.op === op);
      if (reply) return resolve({ wall: reply.at - sent, own: reply.own - ownSent });
      if (Date.now() - started > 15_000) return reject(new Error(`no reply to op ${op}`));
      setTimeout(look, 2);
    };
    look();
  });
}

function listen(loader: VirtualLoader): Packet[] {
  const packets: Packet[] = [];
  const slip = new SlipDecoder();
  loader.farEnd.connect((bytes) => {
    for (const packet of slip.push(bytes)) {
      const response = parseResponse(packet);
      if (response) packets.push({ op: response.op, at: performance.now(), own: ownClock() });
    }
  });
  return packets;
}

describe('flash timing', () => {
  it('the ROM erases the whole region before answering FLASH_BEGIN (4 × 64 KiB blocks)', async () => {
    const loader = createVirtualLoader({ chip: 'ESP32' });
    const packets = listen(loader);
    loader.reset('download');
    const ms = await timed(loader, packets, Op.FLASH_BEGIN, words(0x40000, 256, 0x400, 0x10000));
    const expected = 4 * FLASH_TIMING.blockEraseMs;
    assert.ok(ms.wall >= expected * 0.95 && ms.own < expected * 6, `${ms.wall.toFixed(0)} ms (${ms.own.toFixed(0)} not waiting for a CPU) for an erase the datasheet puts at ${expected} ms`);
    loader.dispose();
  });

  it('the stub answers ERASE_REGION once erased; a 4 KiB sector costs a sector erase', async () => {
    const host = new ProtocolHost({ chip: 'ESP32-C3', flashTiming: true });
    await host.uploadStub();
    const packets = listen(host.loader);
    const block = await timed(host.loader, packets, Op.ERASE_REGION, words(0x20000, 0x10000));
    const sector = await timed(host.loader, packets, Op.ERASE_REGION, words(0x31000, 0x1000));
    assert.ok(block.wall >= FLASH_TIMING.blockEraseMs * 0.95, `64 KiB block: ${block.wall.toFixed(0)} ms`);
    assert.ok(sector.wall >= FLASH_TIMING.sectorEraseMs * 0.95 && sector.own < block.wall, `4 KiB sector: ${sector.wall.toFixed(0)} ms (${sector.own.toFixed(0)} not waiting for a CPU)`);
    host.loader.dispose();
  });
});
