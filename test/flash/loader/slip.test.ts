import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { slipDecodeAll, slipEncode, SlipDecoder } from '../../../tools/flash/loader/index.ts';

describe('SLIP codec', () => {
  it('escapes C0 as DB DC and DB as DB DD, framed by C0', () => {
    assert.deepEqual([...slipEncode(Uint8Array.from([0x01, 0xc0, 0x02, 0xdb, 0x03]))], [0xc0, 0x01, 0xdb, 0xdc, 0x02, 0xdb, 0xdd, 0x03, 0xc0]);
    assert.deepEqual([...slipEncode(new Uint8Array(0))], [0xc0, 0xc0]);
  });

  it('round-trips every byte value, in any chunking', () => {
    const packets = [Uint8Array.from({ length: 256 }, (_, i) => i), Uint8Array.from([0xc0, 0xc0, 0xdb, 0xdb, 0xdc, 0xdd]), Uint8Array.from([0x4f, 0x48, 0x41, 0x49])];
    const stream = Buffer.concat(packets.map(slipEncode));
    assert.deepEqual(slipDecodeAll(stream), packets);
    for (const chunk of [1, 2, 3, 7, 64]) {
      const decoder = new SlipDecoder();
      const out: Uint8Array[] = [];
      for (let i = 0; i < stream.length; i += chunk) out.push(...decoder.push(stream.subarray(i, i + chunk)));
      assert.deepEqual(out, packets, `chunk ${chunk}`);
    }
  });

  it('skips noise before the first frame and empty frames; a bad escape drops only its packet', () => {
    const decoder = new SlipDecoder();
    const text = Buffer.from('rst:0x1 (POWERON_RESET)\r\nwaiting for download\r\n', 'latin1');
    const bad = Uint8Array.from([0xc0, 0x01, 0xdb, 0x99, 0x02, 0xc0]);
    const good = slipEncode(Uint8Array.from([0x05, 0x06]));
    const packets = decoder.push(Buffer.concat([text, Buffer.from([0xc0, 0xc0]), bad, good]));
    assert.deepEqual(packets, [Uint8Array.from([0x05, 0x06])]);
    assert.equal(decoder.stats.noise, text.length);
    assert.equal(decoder.stats.badEscapes, 1);
  });

  it('reset() forgets a partial packet', () => {
    const decoder = new SlipDecoder();
    decoder.push(Uint8Array.from([0xc0, 0x01, 0x02]));
    decoder.reset();
    assert.deepEqual(decoder.push(Uint8Array.from([0x03, 0xc0, 0x04, 0xc0])), [Uint8Array.from([0x04])]);
  });
});
