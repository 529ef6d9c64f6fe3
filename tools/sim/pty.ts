// A virtual board's serial port on a pseudo-terminal (via python3's pty module: Node has no
// openpty), so mpremote, esptool, screen, picocom or `mpy-iot monitor --port` can talk to it.
// The tool's baud rate (set on the terminal) reaches the far end, and bytes are paced at it in
// both directions (10 bits per byte), as on a UART. A pty has no modem lines: for DTR/RTS resets
// use RFC 2217 (serial/rfc2217).
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { DeviceError } from '../errors.ts';
import { ByteThrottle, uartBytesPerSecond, type SerialFarEnd } from '../serial/index.ts';

const bridge = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pty', 'bridge.py');

export interface PtyExposure {
  path: string;
  /** The baud rate the tool on the other side set (a fresh pty reads 38400). */
  readonly baud: number | undefined;
  close(): void;
}

export interface PtyOptions {
  /** Pace both directions at the terminal's baud rate. Default true. */
  pace?: boolean;
}

/** Puts a serial far end (a virtual board, a virtual ROM loader) on a new pseudo-terminal. */
export function exposeOnPty(farEnd: SerialFarEnd, options: PtyOptions = {}): Promise<PtyExposure> {
  const child = spawn('python3', [bridge], { stdio: ['pipe', 'pipe', 'ignore', 'pipe'] });
  const stdin = child.stdin!;
  const stdout = child.stdout!;
  let baud: number | undefined;
  const rate = (): number => (options.pace === false || baud === undefined ? Infinity : uartBytesPerSecond(baud));
  const toPty = new ByteThrottle(rate, (bytes) => {
    if (!stdin.destroyed) stdin.write(bytes);
  });
  const toFarEnd = new ByteThrottle(rate, (bytes) => farEnd.receive(bytes));
  let control = '';
  (child.stdio[3] as Readable).on('data', (chunk: Buffer) => {
    control += chunk.toString('latin1');
    for (let newline = control.indexOf('\n'); newline >= 0; newline = control.indexOf('\n')) {
      const match = /^baud (\d+)$/.exec(control.slice(0, newline));
      control = control.slice(newline + 1);
      if (match && Number(match[1]) > 0) {
        baud = Number(match[1]);
        farEnd.baudRate?.(baud);
      }
    }
  });
  return new Promise((resolve, reject) => {
    let header = Buffer.alloc(0);
    let ready = false;
    child.once('error', (cause) => reject(new DeviceError('cannot create a pseudo-terminal (python3 is needed)', { cause })));
    stdout.on('data', (chunk: Buffer) => {
      if (ready) {
        toFarEnd.send(Uint8Array.from(chunk)).catch(() => {});
        return;
      }
      header = Buffer.concat([header, chunk]);
      const newline = header.indexOf(10);
      if (newline < 0) return;
      ready = true;
      const ptyPath = header.subarray(0, newline).toString('utf8');
      const rest = header.subarray(newline + 1);
      farEnd.connect((bytes) => {
        if (bytes.length > 0) toPty.send(Uint8Array.from(bytes)).catch(() => {});
      });
      if (rest.length > 0) toFarEnd.send(Uint8Array.from(rest)).catch(() => {});
      resolve({
        path: ptyPath,
        get baud() {
          return baud;
        },
        close: () => {
          toPty.clear();
          toFarEnd.clear();
          farEnd.disconnect?.();
          stdin.end();
          child.kill();
        },
      });
    });
  });
}
