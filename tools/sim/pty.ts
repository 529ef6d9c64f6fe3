// A virtual board's serial port on a pseudo-terminal (via python3's pty module: Node has no
// openpty), so mpremote, screen, picocom or `mpy-iot monitor --port` can talk to it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeviceError } from '../errors.ts';
import type { SerialFarEnd } from '../serial/index.ts';

const bridge = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pty', 'bridge.py');

export interface PtyExposure {
  path: string;
  close(): void;
}

/** Puts a serial far end (a virtual board's REPL, a virtual ROM loader) on a new pseudo-terminal. */
export function exposeOnPty(farEnd: SerialFarEnd): Promise<PtyExposure> {
  const child = spawn('python3', [bridge], { stdio: ['pipe', 'pipe', 'ignore'] });
  return new Promise((resolve, reject) => {
    let header = Buffer.alloc(0);
    let ready = false;
    const toPty = (bytes: Uint8Array): void => {
      if (!child.stdin.destroyed) child.stdin.write(bytes);
    };
    child.once('error', (cause) => reject(new DeviceError('cannot create a pseudo-terminal (python3 is needed)', { cause })));
    child.stdout.on('data', (chunk: Buffer) => {
      if (ready) {
        farEnd.receive(chunk);
        return;
      }
      header = Buffer.concat([header, chunk]);
      const newline = header.indexOf(10);
      if (newline < 0) return;
      ready = true;
      const ptyPath = header.subarray(0, newline).toString('utf8');
      const rest = header.subarray(newline + 1);
      farEnd.connect(toPty);
      if (rest.length > 0) farEnd.receive(rest);
      resolve({
        path: ptyPath,
        close: () => {
          farEnd.disconnect?.();
          child.stdin.end();
          child.kill();
        },
      });
    });
  });
}
