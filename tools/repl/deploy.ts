// `mpy-iot deploy`: syncs build/<device>/ to a board over the raw REPL, by its manifest.
// Unchanged files (same sha256 on the board) are skipped; every file is written under a temporary
// name, checked, then renamed, so a cut cable never leaves a broken main.py; files deployed
// before and gone from the manifest are removed. Compressed on the wire when the board has
// `deflate` (MicroPython >= 1.21), else base64.
import { deflateRawSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { DeviceError } from '../errors.ts';
import type { Manifest } from '../render/build.ts';
import { readBuild } from '../sim/buildImage.ts';
import { ReplClient } from './client.ts';
import { checkBoardIdentity, type ExpectedBoard } from './identity.ts';

/** Where the board remembers what mpy-iot put on it. */
export const DEPLOYED_LIST = '.mpy-iot-deployed.json';
/**
 * Raw bytes per exec and the deflate window (2^wbits bytes of board RAM to inflate): small on an
 * ESP8266, whose ~38 KB heap must also hold the script carrying the chunk; larger elsewhere, where
 * fewer round trips and a bigger window make the transfer faster.
 */
const WIRE = {
  esp8266: { chunk: 1024, wbits: 9 },
  other: { chunk: 4096, wbits: 12 },
} as const;

export interface DeployProgress {
  file: string;
  fileBytes: number;
  sentBytes: number;
  totalBytes: number;
}

export interface DeployResult {
  uploaded: string[];
  skipped: string[];
  removed: string[];
  encoding: 'deflate' | 'base64';
  /** Payload bytes of the uploaded files, and bytes that went over the wire in all. */
  fileBytes: number;
  wireBytes: number;
  seconds: number;
}

// Defined on the board once per deploy: hashing reads 256 bytes at a time (ESP8266's heap is small).
const HASH_FN = `import os, json, hashlib, binascii
def _h(p):
    try:
        h = hashlib.sha256()
        b = bytearray(256)
        with open(p, 'rb') as f:
            while True:
                n = f.readinto(b)
                if not n:
                    break
                h.update(memoryview(b)[:n])
        return binascii.hexlify(h.digest()).decode()
    except OSError:
        return None
`;

const py = (value: unknown): string => JSON.stringify(value);

export async function deploy(repl: ReplClient, buildDir: string, options: { onProgress?: (p: DeployProgress) => void; force?: boolean; expect?: ExpectedBoard } = {}): Promise<DeployResult> {
  const started = performance.now();
  const wireStart = repl.bytesSent;
  const image = readBuild(buildDir);
  const manifest: Manifest = image.manifest;
  await repl.enterRaw();
  // Refused before anything is written: the wrong chip, or (when pinned) another team's board.
  if (options.expect) await checkBoardIdentity(repl, options.expect);
  await repl.run(HASH_FN);

  // One round trip for every hash, what the board can inflate, and what we deployed last time.
  const paths = manifest.files.map((f) => f.path);
  const probe = JSON.parse(
    await repl.run(
      `try:\n    import deflate\n    _z = hasattr(deflate, 'DeflateIO')\nexcept ImportError:\n    _z = False\n` +
        `try:\n    _d = json.loads(open(${py(DEPLOYED_LIST)}).read())\nexcept (OSError, ValueError):\n    _d = []\n` +
        `print(json.dumps({'z': _z, 'd': _d, 'h': [_h(p) for p in ${py(paths)}]}))`,
    ),
  ) as { z: boolean; d: string[]; h: (string | null)[] };
  const encoding = probe.z ? 'deflate' : 'base64';
  const { chunk: CHUNK, wbits: WBITS } = manifest.board === 'esp8266' ? WIRE.esp8266 : WIRE.other;

  const changed = manifest.files.filter((f, i) => options.force || probe.h[i] !== f.sha256);
  const totalBytes = changed.reduce((n, f) => n + f.size, 0);
  const folders = [...new Set(changed.flatMap((f) => parents(f.path)))];
  if (folders.length > 0) await repl.run(`for d in ${py(folders)}:\n    try:\n        os.mkdir(d)\n    except OSError:\n        pass`);

  await repl.run(
    `from binascii import a2b_base64 as _b\n` +
      (encoding === 'deflate' ? `import io\ndef _w(s):\n    _f.write(deflate.DeflateIO(io.BytesIO(_b(s)), deflate.RAW, ${WBITS}).read())\n` : `def _w(s):\n    _f.write(_b(s))\n`) +
      // Only a complete, verified copy replaces the old file.
      `def _done(t, p, h):\n    _f.close()\n    if _h(t) != h:\n        return 'mismatch'\n    try:\n        os.rename(t, p)\n    except OSError:\n        os.remove(p)\n        os.rename(t, p)\n    return 'ok'\n`,
  );
  let sentBytes = 0;
  for (const file of changed) {
    const data = image.files[file.path]!;
    const tmp = `${file.path}.tmp`;
    // Each exec carries one chunk; the first also opens the file and the last also finishes it,
    // so a small file costs a single round trip.
    for (let at = 0; at < data.length || at === 0; at += CHUNK) {
      const piece = data.subarray(at, at + CHUNK);
      const wire = encoding === 'deflate' ? deflateRawSync(piece, { windowBits: WBITS, level: 9 }) : piece;
      const first = at === 0 ? `_f = open(${py(tmp)}, 'wb')\n` : '';
      const last = at + CHUNK >= data.length;
      const out = await repl.run(`${first}_w(${py(Buffer.from(wire).toString('base64'))})${last ? `\nprint(_done(${py(tmp)}, ${py(file.path)}, ${py(file.sha256)}))` : ''}`);
      sentBytes += piece.length;
      options.onProgress?.({ file: file.path, fileBytes: data.length, sentBytes, totalBytes });
      if (last && out.trim() !== 'ok') throw new DeviceError(`${file.path} arrived damaged (sha256 differs on the board)`, { hint: 'check the cable and run deploy again' });
      if (last) break;
    }
  }

  const removed = probe.d.filter((p) => !paths.includes(p));
  await repl.run(
    `for p in ${py(removed)}:\n    try:\n        os.remove(p)\n    except OSError:\n        pass\n` +
      `with open(${py(DEPLOYED_LIST)}, 'w') as f:\n    f.write(${py(JSON.stringify(paths))})`,
  );
  return {
    uploaded: changed.map((f) => f.path),
    skipped: manifest.files.filter((f) => !changed.includes(f)).map((f) => f.path),
    removed,
    encoding,
    fileBytes: totalBytes,
    wireBytes: repl.bytesSent - wireStart,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Folders to create for a device path, outermost first (`lib`, `lib/mpyiot`). */
function parents(file: string): string[] {
  const out: string[] = [];
  for (let dir = path.posix.dirname(file); dir !== '.' && dir !== '/'; dir = path.posix.dirname(dir)) out.unshift(dir);
  return out;
}

/** sha256 of bytes, as the manifest writes it. */
export const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
