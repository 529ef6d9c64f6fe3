// The raw REPL client against a virtual board's serial far end: byte-exact protocol, both ways.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ReplClient, ReplExecError } from '../../tools/repl/client.ts';
import type { VirtualBoard } from '../../tools/sim/board.ts';
import { boardTransport } from '../helpers/boardTransport.ts';
import { bootBoard, buildLab } from '../helpers/sim.ts';

// A board whose broker does not exist: main.py keeps retrying, as a fresh lab board would.
const project = await buildLab({ brokerUrl: 'mqtt://127.0.0.1:9', devices: [{ name: 'dev', board: 'esp32', telemetry: { students: ['A'], group: 'G' } }] });

describe('raw REPL on a virtual board', () => {
  let board: VirtualBoard;
  let repl: ReplClient;
  before(async () => {
    board = await bootBoard(project, 'dev');
    await board.waitForLine(/\[mpy-iot\] INFO app/, 30_000);
    repl = new ReplClient(boardTransport(board));
  });
  after(async () => {
    repl.close();
    await board.stop();
  });

  test('Ctrl-C interrupts the running main.py and the raw REPL answers', async () => {
    await repl.enterRaw();
    assert.match(board.console.map((l) => l.line).join('\n'), /KeyboardInterrupt/);
    assert.deepEqual(await repl.exec('print("hello", 6 * 7)'), { stdout: 'hello 42\n', stderr: '' });
  });

  test('stdout and stderr come apart; a traceback becomes a typed error with the remote message', async () => {
    const result = await repl.exec('print("before")\nraise ValueError("broken on purpose")');
    assert.equal(result.stdout, 'before\n');
    assert.match(result.stderr, /ValueError: broken on purpose/);
    await assert.rejects(repl.run('open("/nope.txt")'), (error: unknown) => {
      assert.ok(error instanceof ReplExecError);
      assert.equal(error.exception, 'OSError');
      // The WebAssembly port's filesystem reports Emscripten's errno (44), not ENOENT (2) as the ESP ports do.
      assert.match(error.remote, /OSError: (\[Errno 2\] ENOENT|44)/);
      return true;
    });
  });

  test('raw-paste with flow control: a large script arrives intact', async () => {
    const text = Array.from({ length: 600 }, (_, i) => `line ${i} Кириллица ✓`).join('\\n');
    const code = `import hashlib, binascii\ns = "${text}"\nprint(binascii.hexlify(hashlib.sha256(s.encode()).digest()).decode(), len(s.encode()))`;
    assert.ok(code.length > 10_000);
    const { stdout, stderr } = await repl.exec(code);
    assert.equal(stderr, '');
    const expected = Buffer.from(text.replace(/\\n/g, '\n'), 'utf8');
    assert.equal(stdout.trim(), `${createHash('sha256').update(expected).digest('hex')} ${expected.length}`);
    assert.equal(repl.rawPaste, true);
  });

  test('Ctrl-C interrupts a running loop inside the raw REPL', async () => {
    // Interrupt once the loop runs (it says so), not after a fixed wait: on a loaded host the
    // script may still be in transit after 300 ms, and Ctrl-C would hit the paste instead.
    let seen = '';
    const looping = new Promise<void>((resolve) => {
      const onUart = (b: Uint8Array): void => {
        seen += Buffer.from(b).toString('latin1');
        if (!seen.includes('looping')) return;
        board.off('uart', onUart);
        resolve();
      };
      board.on('uart', onUart);
    });
    // (The sleep flushes the board's serial output, which a loop of ticks_ms() calls never does.)
    const running = repl.exec('import time\nn = 0\nprint("looping")\ntime.sleep_ms(1)\nwhile True:\n    n += 1\n    time.ticks_ms()');
    await looping;
    board.interrupt();
    const { stderr } = await running;
    assert.match(stderr, /KeyboardInterrupt/);
    assert.match((await repl.exec('print(n > 0)')).stdout, /True/);
  });

  test('files persist across a soft reset; main.py does not run after a raw-REPL soft reset', async () => {
    await repl.run('f = open("note.txt", "w")\nf.write("kept")\nf.close()');
    const lines = board.console.length;
    await repl.softReset();
    assert.equal((await repl.run('print(open("note.txt").read())')).trim(), 'kept');
    assert.ok(!board.console.slice(lines).some((l) => /\[mpy-iot\] INFO app/.test(l.line)), 'main.py stayed quiet');
  });

  test('Ctrl-D in the friendly REPL re-runs main.py', async () => {
    await repl.exitRaw();
    await new Promise((r) => setTimeout(r, 200));
    board.write('\x04');
    await board.waitForLine(/MPY: soft reboot/, 5000);
    await board.waitForLine(/\[mpy-iot\] INFO app/, 30_000);
  });
});

test('a board that refuses raw-paste gets plain raw mode', async () => {
  const board = await bootBoard(project, 'dev', { rawPaste: false });
  const repl = new ReplClient(boardTransport(board));
  after(async () => {
    repl.close();
    await board.stop();
  });
  await repl.enterRaw();
  const code = `x = "${'y'.repeat(3000)}"\nprint(len(x))`;
  assert.deepEqual(await repl.exec(code), { stdout: '3000\n', stderr: '' });
  assert.equal(repl.rawPaste, false);
});

test('raw-paste with a 16-byte window: a 6 KB script arrives whole because the client keeps to the credit', async () => {
  const board = await bootBoard(project, 'dev', { blank: true, rawPasteWindow: 16 });
  const repl = new ReplClient(boardTransport(board));
  after(async () => {
    repl.close();
    await board.stop();
  });
  await repl.enterRaw();
  const body = Array.from({ length: 300 }, (_, i) => `x${i} = ${i}`).join('\n');
  const code = `${body}\nprint(sum(globals()['x%d' % i] for i in range(300)))`;
  assert.ok(code.length > 3000);
  // A board whose receive buffer overflowed would lose bytes and fail to parse or sum.
  assert.deepEqual(await repl.exec(code), { stdout: `${(299 * 300) / 2}\n`, stderr: '' });
  assert.equal(repl.rawPaste, true);
});

test('the virtual board enforces raw-paste credit: a host that ignores it loses bytes', async () => {
  const board = await bootBoard(project, 'dev', { blank: true, rawPasteWindow: 16 });
  after(() => board.stop());
  let out = '';
  const listeners: (() => void)[] = [];
  // A copy: a listener that is satisfied removes itself, which would skip the next one in the array.
  board.on('uart', (b: Uint8Array) => ((out += Buffer.from(b).toString('latin1')), [...listeners].forEach((l) => l())));
  // Each step waits for what the board prints (not a fixed time, which a loaded host outlasts).
  const printed = (pattern: RegExp, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within 15 s; got ${JSON.stringify(out)}`)), 15_000);
      const check = (): void => {
        if (!pattern.test(out)) return;
        clearTimeout(timer);
        listeners.splice(listeners.indexOf(check), 1);
        resolve();
      };
      listeners.push(check);
      check();
    });
  await board.waitForLine(/MicroPython/, 15_000, { fromStart: true }); // its friendly REPL is up
  board.write('\r\x01');
  await printed(/raw REPL; CTRL-B to exit\r\n>/, 'raw REPL prompt');
  const code = Array.from({ length: 50 }, (_, i) => `x${i} = ${i}`).join('\n') + '\nprint("done")';
  board.write(`\x05A\x01${code}\x04`);
  await printed(/SyntaxError/, 'SyntaxError for the bytes it lost');
  assert.doesNotMatch(out, /done/);
});
