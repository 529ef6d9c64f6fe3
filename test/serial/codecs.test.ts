import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Ctrl,
  RawPasteFlow,
  RawPasteHandshakeParser,
  RawReplResponseParser,
  ReplCommands,
  ReplMarkerScanner,
  ReplProtocolError,
  printable,
  type RawPasteHandshake,
  type RawReplMode,
  type RawReplResult,
} from '../../tools/serial/codecs.ts';

const bytes = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

/** Deterministic splits: byte by byte, whole, and 50 seeded random cuttings. */
function* splits(data: Uint8Array): Generator<Uint8Array[]> {
  yield [data];
  yield [...data].map((b) => Uint8Array.of(b));
  let seed = 12345;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let n = 0; n < 50; n++) {
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < data.length; ) {
      const size = 1 + Math.floor(random() * 12);
      chunks.push(data.slice(i, i + size));
      i += size;
    }
    yield chunks;
  }
}

function parseAll(mode: RawReplMode, chunks: Uint8Array[]): RawReplResult & { streamed: string } {
  let streamed = '';
  const parser = new RawReplResponseParser(mode, { onStdout: (b) => (streamed += text(b)) });
  let result: RawReplResult | undefined;
  const rest: Uint8Array[] = [];
  for (const chunk of chunks) {
    if (result) rest.push(chunk);
    else result = parser.feed(chunk);
  }
  assert.ok(result, 'the parser finished');
  return { ...result, rest: Buffer.concat([result.rest, ...rest]), streamed };
}

describe('REPL codecs', () => {
  it('names the control bytes and host commands as mpremote sends them', () => {
    assert.deepEqual(Ctrl, { A: 1, B: 2, C: 3, D: 4, E: 5 });
    assert.equal(text(ReplCommands.enterRaw), '\r\x01');
    assert.equal(text(ReplCommands.rawPasteRequest), '\x05A\x01');
  });

  it('parses a plain raw exec the same for every split, streaming stdout', () => {
    const answer = bytes('OKhello\r\nworld\r\n\x04\x04>after');
    for (const chunks of splits(answer)) {
      const r = parseAll('raw', chunks);
      assert.equal(text(r.stdout), 'hello\r\nworld\r\n');
      assert.equal(r.streamed, 'hello\r\nworld\r\n');
      assert.equal(text(r.stderr), '');
      assert.equal(text(r.rest), 'after');
    }
  });

  it('separates a traceback into stderr', () => {
    const traceback = 'Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\nNameError: name \'x\' isn\'t defined\r\n';
    for (const chunks of splits(bytes(`OKpartial\x04${traceback}\x04>`))) {
      const r = parseAll('raw', chunks);
      assert.equal(text(r.stdout), 'partial');
      assert.equal(text(r.stderr), traceback);
    }
  });

  it('parses a raw-paste answer: late credits, the end-of-data ack, no OK', () => {
    for (const chunks of splits(bytes('\x01\x01\x04{"a": 1}\r\n\x04\x04>'))) {
      const r = parseAll('raw-paste', chunks);
      assert.equal(text(r.stdout), '{"a": 1}\r\n');
      assert.equal(r.rest.length, 0);
    }
  });

  it('rejects what the raw REPL never sends, naming the bytes', () => {
    // A board still in the friendly REPL echoes the code instead of answering OK.
    assert.throws(() => new RawReplResponseParser('raw').feed(bytes('print(1)\r\n')), (e: unknown) => e instanceof ReplProtocolError && /expected "OK"/.test(e.message) && /print\(1\)/.test(e.message) && e.exitCode === 3);
    assert.throws(() => new RawReplResponseParser('raw-paste').feed(bytes('X')), /end-of-data ack/);
    assert.throws(() => new RawReplResponseParser('raw').feed(bytes('OK\x04\x04!')), /">" prompt/);
    const done = new RawReplResponseParser('raw');
    done.feed(bytes('OK\x04\x04>'));
    assert.equal(done.done, true);
    assert.throws(() => done.feed(bytes('x')), /already finished/);
  });

  it('decodes the raw-paste handshake variants for every split', () => {
    const cases: [string, unknown][] = [
      ['R\x01\x80\x00\x01', { kind: 'supported', window: 128, rest: '\x01' }],
      ['R\x01\x00\x01', { kind: 'supported', window: 256, rest: '' }],
      ['R\x00', { kind: 'refused', rest: '' }],
      ['raw REPL; CTRL-B to exit\r\n>', { kind: 'unsupported', rest: '' }],
    ];
    for (const [answer, expected] of cases) {
      for (const chunks of splits(bytes(answer))) {
        const parser = new RawPasteHandshakeParser();
        let result: RawPasteHandshake | undefined;
        const after: Uint8Array[] = [];
        for (const chunk of chunks) {
          if (result) after.push(chunk);
          else result = parser.feed(chunk);
        }
        assert.ok(result, `decided ${JSON.stringify(answer)}`);
        // `rest` is what came with the deciding chunk; later chunks continue it.
        assert.deepEqual({ ...result, rest: text(Buffer.concat([result.rest, ...after])) }, expected);
      }
      const whole = new RawPasteHandshakeParser().feed(bytes(answer));
      assert.deepEqual(whole && { ...whole, rest: text(whole.rest) }, expected);
    }
  });

  it('waits for more bytes before deciding', () => {
    const parser = new RawPasteHandshakeParser();
    assert.equal(parser.feed(bytes('R')), undefined);
    assert.equal(parser.feed(bytes('\x01\x80')), undefined);
    assert.deepEqual(parser.feed(bytes('\x00')), { kind: 'supported', window: 128, rest: new Uint8Array(0) });
  });

  it('tracks raw-paste credits and aborts', () => {
    const flow = new RawPasteFlow(128);
    assert.equal(flow.take(300), 128);
    assert.equal(flow.take(10), 0);
    flow.feed(Uint8Array.of(Ctrl.A, Ctrl.A));
    assert.equal(flow.credit, 256);
    assert.equal(flow.take(200), 200);
    assert.throws(() => flow.feed(bytes('?')), ReplProtocolError);
    flow.feed(bytes('\x04Traceback…')); // abort; the rest belongs to the response parser
    assert.equal(flow.aborted, true);
    assert.equal(flow.take(10), 0);
  });

  it('finds prompts and banners across any split, reporting stream offsets', () => {
    const stream = bytes(
      'junk>>\r\nMPY: soft reboot\r\nMicroPython v1.23.0 on 2024-06-02; ESP32 module with ESP32\r\nType "help()" for more information.\r\n>>> ' +
        '\r\nraw REPL; CTRL-B to exit\r\n>soft reboot\r\nraw REPL; CTRL-B to exit\r\n>',
    );
    const expected = new ReplMarkerScanner().feed(stream).map(({ kind, end }) => ({ kind, end }));
    assert.deepEqual(
      expected.map((m) => m.kind),
      ['soft-reboot', 'friendly-prompt', 'raw-banner', 'soft-reboot', 'raw-banner'],
    );
    assert.equal(text(stream.subarray(0, expected[1]!.end)).endsWith('>>> '), true);
    for (const chunks of splits(stream)) {
      const scanner = new ReplMarkerScanner();
      const found = chunks.flatMap((chunk) => {
        const markers = scanner.feed(chunk);
        for (const m of markers) assert.ok(m.endInChunk >= 1 && m.endInChunk <= chunk.length);
        return markers.map(({ kind, end }) => ({ kind, end }));
      });
      assert.deepEqual(found, expected);
    }
  });

  it('renders bytes readably in messages', () => {
    assert.equal(printable(bytes('OK\r\n\x04"\\')), '"OK\\r\\n\\x04\\x22\\x5c"');
    assert.match(printable(new Uint8Array(100), 4), /… \(100 bytes\)$/);
  });
});
