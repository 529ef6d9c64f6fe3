// Runs Python under the real MicroPython interpreter (the official WebAssembly port) for tests.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadMicroPython } from '@micropython/micropython-webassembly-pyscript';

export interface MicroPythonSession {
  /** Runs code; returns the stdout lines it printed. Throws PythonError (with `.type`) on an exception. */
  run(code: string): string[];
  /** Writes a file into the interpreter's filesystem, creating folders. */
  writeFile(devicePath: string, contents: string | Uint8Array): void;
  /** Copies a host folder (recursively) into the interpreter's filesystem. */
  mount(hostDir: string, devicePath: string): void;
  readFile(devicePath: string): Uint8Array;
}

interface FsLike {
  mkdir(p: string): void;
  writeFile(p: string, data: string | Uint8Array): void;
  readFile(p: string): Uint8Array;
  analyzePath(p: string): { exists: boolean };
}

export async function startMicroPython(options: { heapBytes?: number } = {}): Promise<MicroPythonSession> {
  let lines: string[] = [];
  const mp = await loadMicroPython({
    heapsize: options.heapBytes ?? 512 * 1024,
    stdout: (line: string) => lines.push(line),
    stderr: (line: string) => lines.push(line),
  });
  const fs = mp.FS as FsLike;
  const ensureDir = (dir: string): void => {
    let current = '';
    for (const part of dir.split('/').filter(Boolean)) {
      current += '/' + part;
      if (!fs.analyzePath(current).exists) fs.mkdir(current);
    }
  };
  const session: MicroPythonSession = {
    run(code) {
      lines = [];
      mp.runPython(code);
      return lines;
    },
    writeFile(devicePath, contents) {
      ensureDir(path.posix.dirname(devicePath));
      fs.writeFile(devicePath, contents);
    },
    mount(hostDir, devicePath) {
      for (const entry of readdirSync(hostDir)) {
        const hostPath = path.join(hostDir, entry);
        const target = path.posix.join(devicePath, entry);
        if (statSync(hostPath).isDirectory()) session.mount(hostPath, target);
        else session.writeFile(target, readFileSync(hostPath));
      }
    },
    readFile(devicePath) {
      return fs.readFile(devicePath);
    },
  };
  return session;
}
