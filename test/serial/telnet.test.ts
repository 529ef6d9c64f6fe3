// RFC 2217 rides on Telnet: data bytes 0xFF are doubled on the wire, and commands may split
// across TCP segments anywhere. The real clients (esptool, mpremote) are tested in test/interop.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeData, TelnetParser } from '../../tools/serial/rfc2217/index.ts';

describe('Telnet framing for RFC 2217', () => {
  it('data with 0xFF survives escaping and parsing, split at every byte', () => {
    const data = Uint8Array.from([0x00, 0xff, 0xc0, 0xff, 0xff, 0x41]);
    const wire = Uint8Array.from([...escapeData(data), 0xff, 0xfa, 0x2c, 0x05, 0x08, 0xff, 0xf0, 0xff, 0xfd, 0x00, 0x42]);
    const parser = new TelnetParser();
    const events = [...wire].flatMap((byte) => parser.push(Uint8Array.of(byte)));
    const bytes = events.flatMap((e) => (e.type === 'data' ? [...e.bytes] : []));
    assert.deepEqual(bytes, [...data, 0x42]);
    assert.deepEqual(
      events.filter((e) => e.type !== 'data'),
      [
        { type: 'subnegotiation', option: 0x2c, payload: Uint8Array.of(0x05, 0x08) },
        { type: 'negotiate', verb: 0xfd, option: 0x00 },
      ],
    );
  });
});
