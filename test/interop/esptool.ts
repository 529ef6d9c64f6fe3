// The real esptool (v5, ../shared/interop, installed by .ci/run into .interop/bin) against a virtual
// board: the same commands a user types, judged by esptool's exit code and by the bytes it reads back.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const esptoolBin = path.resolve(import.meta.dirname, '../../.interop/bin/esptool');
/** node:test's `skip` option: a reason when the real esptool is not installed. */
export const skipWithoutEsptool: string | false = existsSync(esptoolBin) ? false : `the real esptool is not installed at ${esptoolBin} (run ../shared/interop/install.sh .interop/bin, as .ci/run does)`;

export interface EsptoolRun {
  code: number;
  output: string;
}

/**
 * esptool gives the ROM 0.2 s to answer MEM_END before it reads the stub's OHAI, and a reply later
 * than that leaves its packet reader dead ("Failed to start stub flasher. There was no response"). A
 * chip answers in microseconds; a virtual board on a loaded 2-core CI host (four esptools and four
 * simulators at once, beside another test file) was once descheduled longer. esptool's own setting
 * (`mem_end_rom_timeout`, read from ESPTOOL_CFGFILE) widens that window and changes nothing on the wire.
 */
const esptoolConfig = path.join(mkdtempSync(path.join(os.tmpdir(), 'mpy-iot-esptool-cfg-')), 'esptool.cfg');
writeFileSync(esptoolConfig, '[esptool]\nmem_end_rom_timeout = 3\n');

/** Runs esptool with `args`; never throws on a non-zero exit (the caller asserts on it). */
export function esptool(args: string[], timeoutMs = 60_000): Promise<EsptoolRun> {
  return new Promise((resolve) => {
    const env = { ...process.env, NO_COLOR: '1', ESPTOOL_CFGFILE: esptoolConfig };
    execFile(esptoolBin, args, { timeout: timeoutMs, env }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** A small firmware-like file: random bytes (incompressible) then zeros (compressible), in a temp folder. */
export function testImage(bytes: number, seed: number): { file: string; data: Buffer } {
  const data = Buffer.alloc(bytes);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < bytes * 0.6; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    data[i] = state & 0xff;
  }
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'mpy-iot-esptool-')), `image-${seed}.bin`);
  writeFileSync(file, data);
  return { file, data };
}

export function readBack(file: string): Buffer {
  return readFileSync(file);
}

export interface MatrixOptions {
  /** `--before` for every run: 'no-reset' on a pty (no modem lines), 'default-reset' over RFC 2217. */
  before: 'no-reset' | 'default-reset';
  /** Transfer baud for write/read runs (high, so paced links stay fast). */
  baud: number;
}

/**
 * The matrix of issue 9 for one board, as `it` steps in order (they share the board's flash):
 * identity, writes compressed/uncompressed with and without the stub, verify, read back byte for
 * byte (stub and ROM), erase-region, the --after modes each followed by another command, erase-flash.
 */
export function esptoolMatrix(it: (name: string, fn: () => Promise<void>) => void, assert: typeof import('node:assert/strict'), chip: string, port: () => string, options: MatrixOptions): void {
  const ok = async (args: string[], expect?: RegExp, before: string = options.before): Promise<string> => {
    const run = await esptool(['--port', port(), '--before', before, ...args]);
    assert.equal(run.code, 0, `esptool ${args.join(' ')} failed:\n${run.output}`);
    if (expect) assert.match(run.output, expect);
    return run.output;
  };
  const fast = ['--baud', String(options.baud)];
  const a = testImage(48 * 1024, 1);
  const b = testImage(24 * 1024, 2);
  const out = (name: string): string => path.join(path.dirname(a.file), name);
  const chipName = chip === 'esp8266' ? 'ESP8266' : chip === 'esp32' ? 'ESP32' : chip === 'esp32s3' ? 'ESP32-S3' : 'ESP32-C3';

  it('chip-id, read-mac and flash-id name the chip and its flash', async () => {
    await ok(['--chip', chip, '--after', 'no-reset', 'chip-id'], new RegExp(`Chip (is|type:)\\s+${chipName}`));
    await ok(['--after', 'no-reset', 'read-mac'], /MAC:\s+([0-9a-f]{2}:){5}[0-9a-f]{2}/);
    await ok(['--after', 'no-reset', 'flash-id'], /Detected flash size: 4MB/);
  });
  it('write-flash compressed and --no-compress with the stub, then verify-flash', async () => {
    await ok([...fast, '--after', 'no-reset', 'write-flash', '0x10000', a.file], /Hash of data verified/);
    await ok([...fast, '--after', 'no-reset', 'write-flash', '--no-compress', '0x40000', b.file], /Hash of data verified/);
    await ok([...fast, '--after', 'no-reset', 'verify-flash', '0x10000', a.file, '0x40000', b.file], /Verification successful|digest matched/i);
  });
  it('write-flash without the stub (ROM loader)', async () => {
    await ok(['--no-stub', '--after', 'no-reset', 'write-flash', '0x60000', b.file]);
  });
  it('read-flash returns the written bytes, byte for byte, with the stub and (ESP32 family) the ROM', async () => {
    await ok([...fast, '--after', 'no-reset', 'read-flash', '0x10000', String(a.data.length), out('a.read')]);
    assert.ok(readBack(out('a.read')).equals(a.data), 'stub read-flash differs from what was written');
    if (chip === 'esp8266') return; // its ROM has no flash read (esptool refuses --no-stub read-flash)
    await ok(['--no-stub', '--after', 'no-reset', 'read-flash', '0x60000', '2048', out('b.read')]);
    assert.ok(readBack(out('b.read')).equals(b.data.subarray(0, 2048)), 'ROM read-flash differs from what was written');
  });
  it('erase-region blanks exactly the region', async () => {
    // b (24 KiB) sits at 0x40000: erase its first 16 KiB, keep the rest.
    await ok(['--after', 'no-reset', 'erase-region', '0x40000', '0x4000']);
    await ok([...fast, '--after', 'no-reset', 'read-flash', '0x40000', String(b.data.length), out('erased.read')]);
    const read = readBack(out('erased.read'));
    assert.ok(read.subarray(0, 0x4000).every((x) => x === 0xff), 'the region reads erased');
    assert.ok(read.subarray(0x4000).equals(b.data.subarray(0x4000)), 'the rest of the image is untouched');
  });
  it('--after no-reset-stub, then the next run syncs with the running stub', async () => {
    await ok(['--after', 'no-reset-stub', 'flash-id']);
    await ok(['--after', 'no-reset', 'flash-id'], /Stub flasher is already running/, 'no-reset');
  });
  it('--after no-reset leaves the ROM loader, then another command', async () => {
    await ok(['--after', 'no-reset', 'chip-id'], /Staying in bootloader/);
    await ok(['--after', 'no-reset', 'read-mac'], /MAC:/, 'no-reset');
  });
  it('erase-flash blanks the chip', async () => {
    await ok(['--after', 'no-reset', 'erase-flash'], /Flash memory erased successfully|Chip erase completed/i);
    await ok([...fast, '--after', 'no-reset', 'read-flash', '0x10000', '0x1000', out('blank.read')]);
    assert.ok(readBack(out('blank.read')).every((x) => x === 0xff));
  });
  it('a stub left running at 921600 baud cannot be reached at 115200: the bytes garble, as on a UART', async () => {
    await ok([...fast, '--after', 'no-reset-stub', 'flash-id']);
    const run = await esptool(['--port', port(), '--before', 'no-reset', '--after', 'no-reset', '--connect-attempts', '1', 'flash-id']);
    assert.notEqual(run.code, 0, `esptool at 115200 reached a stub at 921600:\n${run.output}`);
    assert.match(run.output, /Failed to connect|Invalid head of packet|No serial data received/);
    // Last: on a pty (no lines to reset) the board stays unreachable. Over RFC 2217 a reset brings the ROM back at its power-on speed.
    if (options.before === 'default-reset') await ok(['--after', 'no-reset', 'flash-id']);
  });
}
