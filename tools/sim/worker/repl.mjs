// The far end of a virtual board's serial port: MicroPython's friendly REPL, raw REPL and
// raw-paste mode, byte for byte as shared/runtime/pyexec.c behaves (see shared/reference/
// protocols.md §1). A state machine fed one byte at a time; running code is the caller's job.

const CTRL_A = 0x01;
const CTRL_B = 0x02;
const CTRL_C = 0x03;
const CTRL_D = 0x04;
const CTRL_E = 0x05;

/** MicroPython's MICROPY_REPL_STDIN_BUFFER_MAX / 2: the raw-paste window. */
export const RAW_PASTE_WINDOW = 128;

/**
 * @param {object} io
 * @param {(text: string | Uint8Array) => void} io.write  bytes to the host (text is UTF-8 encoded)
 * @param {(code: string, mode: 'exec' | 'single') => string | null} io.exec  runs code; returns the
 *   traceback text of an uncaught exception, or null
 * @param {(mode: 'friendly' | 'raw') => never} io.softReset  ends this interpreter (soft reboot)
 * @param {string} io.banner  e.g. `MicroPython v1.27.0 on 2026-01-01; ESP32 module with ESP32`
 * @param {boolean} [io.rawPaste]  false: behave like firmware older than raw-paste (v1.13)
 * @param {number} [io.window]  raw-paste window (default RAW_PASTE_WINDOW)
 */
export function createRepl(io) {
  let mode = 'friendly';
  let line = [];
  let block = [];
  let raw = [];
  let paste = null;
  const window = io.window ?? RAW_PASTE_WINDOW;
  const decoder = new TextDecoder();

  /** Text typed in paste mode (Ctrl-E), or null outside it. */
  let pasted = null;
  // Auto-indent as MicroPython's readline does: a continuation line starts with the previous
  // line's indentation, four more after a line ending in ':'.
  const prompt = () => {
    if (!block.length) return io.write('>>> ');
    const previous = block[block.length - 1];
    const indent = /^\s*/.exec(previous)[0].length + (/:\s*$/.test(previous) ? 4 : 0);
    line = Array(indent).fill(0x20);
    return io.write('... ' + ' '.repeat(indent));
  };
  /** Paste mode (Ctrl-E): lines are taken as typed, without auto-indent, and run at Ctrl-D. */
  function pasteMode(byte) {
    if (byte === CTRL_C) {
      pasted = null;
      io.write('\r\n');
      return prompt();
    }
    if (byte === CTRL_D) {
      const source = decoder.decode(new Uint8Array(pasted));
      pasted = null;
      io.write('\r\n');
      const error = io.exec(source, 'exec');
      if (error) io.write(error);
      return prompt();
    }
    if (byte === 0x0a) return undefined;
    pasted.push(byte === 0x0d ? 0x0a : byte);
    io.write(byte === 0x0d ? '\r\n=== ' : new Uint8Array([byte]));
    return undefined;
  }
  const enterFriendly = () => {
    mode = 'friendly';
    line = [];
    block = [];
    io.write(`${io.banner}\r\nType "help()" for more information.\r\n>>> `);
  };
  const enterRaw = () => {
    mode = 'raw';
    raw = [];
    io.write('raw REPL; CTRL-B to exit\r\n>');
  };

  function runFriendly(source) {
    const error = io.exec(source, 'single');
    if (error) io.write(error);
  }

  function friendly(byte) {
    if (pasted) return pasteMode(byte);
    if (byte === CTRL_E && line.length === 0 && block.length === 0) {
      pasted = [];
      io.write('\r\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\r\n=== ');
      return undefined;
    }
    if (byte === CTRL_A) {
      io.write('\r\n');
      return enterRaw();
    }
    if (byte === CTRL_B) {
      io.write('\r\n');
      return enterFriendly();
    }
    if (byte === CTRL_C) {
      line = [];
      block = [];
      io.write('\r\n');
      return prompt();
    }
    if (byte === CTRL_D) {
      if (line.length === 0 && block.length === 0) {
        io.write('\r\n');
        return io.softReset('friendly');
      }
      return undefined;
    }
    if (byte === 0x7f || byte === 0x08) {
      if (line.length > 0) {
        line.pop();
        io.write('\b \b');
      }
      return undefined;
    }
    if (byte === 0x0d) {
      io.write('\r\n');
      const text = decoder.decode(new Uint8Array(line));
      line = [];
      // A line ending in ':' opens a block; a line of only its auto-indent ends it, as on the ports.
      if (block.length > 0 || /:\s*$/.test(text)) {
        if (text.trim() !== '' || block.length === 0) {
          block.push(text);
          return prompt();
        }
        const source = block.join('\n') + '\n';
        block = [];
        runFriendly(source);
        return prompt();
      }
      if (text.trim() !== '') runFriendly(text);
      return prompt();
    }
    if (byte === 0x0a) return undefined;
    line.push(byte);
    io.write(new Uint8Array([byte]));
    return undefined;
  }

  function rawByte(byte) {
    if (byte === CTRL_A) return enterRaw();
    if (byte === CTRL_B) {
      io.write('\r\n');
      return enterFriendly();
    }
    if (byte === CTRL_C) {
      raw = [];
      return undefined;
    }
    if (byte === CTRL_E && raw.length === 0) {
      paste = { stage: 'A', data: [], consumed: 0, granted: 0, limit: 0, overflowed: 0 };
      return undefined;
    }
    if (byte === CTRL_D) {
      io.write('OK');
      if (raw.length === 0) {
        io.write('\r\n');
        return io.softReset('raw');
      }
      const code = decoder.decode(new Uint8Array(raw));
      raw = [];
      return finishExec(code);
    }
    raw.push(byte);
    return undefined;
  }

  /** Output of a raw or raw-paste exec: stdout, \x04, the traceback, \x04, then the prompt. */
  function finishExec(code) {
    const error = io.exec(code, 'exec');
    io.write('\x04');
    if (error) io.write(error);
    io.write('\x04>');
  }

  function rawPaste(byte) {
    if (paste.stage === 'A') {
      paste.stage = byte === 0x41 ? 'ctrlA' : null;
      if (paste.stage === null) {
        paste = null;
        raw.push(CTRL_E, byte);
      }
      return undefined;
    }
    if (paste.stage === 'ctrlA') {
      if (byte !== CTRL_A) {
        paste = null;
        raw.push(CTRL_E, 0x41, byte);
        return undefined;
      }
      if (io.rawPaste === false) {
        // Firmware without raw-paste answers R\x00 and stays in the raw REPL.
        paste = null;
        io.write('R\x00');
        return undefined;
      }
      paste.stage = 'data';
      // The window itself plus the 0x01 sent right away: two windows may be in flight.
      paste.granted = 2 * window;
      paste.limit = paste.granted;
      io.write(new Uint8Array([0x52, 0x01, window & 0xff, window >> 8, 0x01]));
      return undefined;
    }
    if (byte === CTRL_C) {
      // Ctrl-C while the code streams in: KeyboardInterrupt from the reader, nothing runs.
      paste = null;
      io.write('\x04Traceback (most recent call last):\r\nKeyboardInterrupt: \r\n\x04>');
      return undefined;
    }
    if (byte === CTRL_D) {
      // End of data: echo it, then run. Raw-paste sends no "OK".
      const code = decoder.decode(new Uint8Array(paste.data));
      paste = null;
      io.write('\x04');
      return finishExec(code);
    }
    // A host that sends beyond the credit it had seen overflows the board's receive buffer:
    // those bytes are lost (and the script breaks), as on a real UART.
    if (paste.data.length >= paste.limit) {
      paste.overflowed += 1;
      return undefined;
    }
    paste.data.push(byte);
    // One more window of credit each time the device has consumed a window.
    if (++paste.consumed === window) {
      paste.consumed = 0;
      paste.granted += window;
      io.write('\x01');
    }
    return undefined;
  }

  return {
    get mode() {
      return paste ? 'raw-paste' : mode;
    },
    /** Starts the REPL the way a board does once main.py is done (or after a soft reboot). */
    start(startMode) {
      if (startMode === 'raw') enterRaw();
      else enterFriendly();
    },
    /**
     * A new batch of input arrived: the host can only have counted on the credit it had seen, so
     * credit granted while this batch is handled applies to the next one.
     */
    newBatch() {
      if (paste?.stage === 'data') paste.limit = paste.granted;
    },
    feed(byte) {
      if (paste) return rawPaste(byte);
      return mode === 'raw' ? rawByte(byte) : friendly(byte);
    },
  };
}
