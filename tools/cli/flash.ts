// `mpy-iot flash`: MicroPython onto one board, or every board plugged in, in parallel.
import path from 'node:path';
import { loadBoards, type BoardProfile } from '../boards/index.ts';
import { InputError, MpyIotError } from '../errors.ts';
import { flashBoard, type FlashProgress, type FlashResult } from '../flash/flash.ts';
import { defaultCacheDir, loadReleases, readImageFile, resolveRelease, type ResolvedImage } from '../flash/images.ts';
import { listPorts, type PortSummary } from '../serial/index.ts';
import { defineCommand } from './command.ts';
import { optionalProject } from './harnessView.ts';
import type { CliIo, Output } from './io.ts';
import { pickDevice } from './serialTarget.ts';
import { table } from './table.ts';

interface FlashArgs {
  port: string | undefined;
  all: boolean | undefined;
  board: string | undefined;
  device: string | undefined;
  image: string | undefined;
  version: string | undefined;
  erase: boolean;
  baud: number | undefined;
}

type Row = { port: string; result: FlashResult } | { port: string; error: MpyIotError | Error };

export const flashCommand = defineCommand<FlashArgs>({
  command: 'flash',
  describe: 'Write MicroPython to a board (or every detected board in parallel) with esptool-js, verify it, and restart it',
  builder: (y) =>
    y
      // `--version` is yargs' own (the package version) unless turned off for this command.
      .version(false)
      .option('port', { type: 'string', requiresArg: true, describe: 'Serial port, e.g. /dev/ttyUSB0 (see `mpy-iot ports`)' })
      .option('all', { type: 'boolean', describe: 'Flash every detected board in parallel' })
      .option('board', { alias: 'b', type: 'string', requiresArg: true, describe: "Board profile (default: the project device's board)" })
      .option('device', { alias: 'd', type: 'string', requiresArg: true, describe: 'Project device whose board to use' })
      .option('image', { type: 'string', requiresArg: true, describe: 'A MicroPython .bin to write' })
      .option('version', { type: 'string', requiresArg: true, describe: 'A MicroPython release from the built-in list (downloaded once, sha256-checked, cached)' })
      .option('erase', { type: 'boolean', default: false, describe: 'Erase the whole flash first (also removes the files on the board)' })
      .option('baud', { type: 'number', requiresArg: true, describe: "Transfer baud rate (default: the board's, usually 460800)" })
      .conflicts('port', 'all')
      .conflicts('image', 'version')
      .conflicts('board', 'device')
      .check((argv) => (argv.image !== undefined || argv.version !== undefined ? true : 'give --image FILE or --version V'))
      .example('$0 flash --port /dev/ttyUSB0 --board esp32 --version 1.24.1', 'A release, downloaded once and cached')
      .example('$0 flash --all --image ESP8266_GENERIC-20241129-v1.24.1.bin -b esp8266', 'A whole classroom of ESP8266s at once')
      .example('$0 flash -d team-1 --port /dev/ttyUSB0 --image fw.bin --erase', "Erase, then flash device team-1's board"),
  async run(args, { io, out }) {
    const { board, label } = pickBoard(args, io, out);
    const image = await loadImage(args, board, io);
    const ports = await pickPorts(args, io);
    const baud = args.baud ?? board.baud.default;
    const progress = progressView(out, io.isTTY, ports.map((p) => p.path));
    const results = await Promise.allSettled(
      ports.map((p) =>
        flashBoard({
          path: p.path,
          ...(io.serialBinding ? { binding: io.serialBinding } : {}),
          board,
          image: image.bytes,
          baud,
          erase: args.erase,
          label,
          info: { vendorId: p.vendorId, productId: p.productId },
          onProgress: (step) => progress?.update(p.path, step),
          ...(out.verbose ? { log: (line: string) => out.note(out.color.dim(`${p.path}: ${line}`)) } : {}),
        }).then(
          (result) => (progress?.finish(p.path, out.color.green('✓ done')), result),
          (error: unknown) => {
            progress?.finish(p.path, out.color.red('✖ failed'));
            throw error;
          },
        ),
      ),
    );
    progress?.done();
    const rows: Row[] = results.map((r, i) => (r.status === 'fulfilled' ? { port: ports[i]!.path, result: r.value } : { port: ports[i]!.path, error: r.reason as Error }));
    const failed = rows.filter((r) => 'error' in r);
    if (out.json) {
      out.document({
        ok: failed.length === 0,
        board: board.id,
        image: { file: image.file, source: image.source, sha256: image.sha256, bytes: image.bytes.length, ...(image.version ? { version: image.version } : {}) },
        ports: rows.map((r) => ('result' in r ? { port: r.port, ok: true, ...r.result } : { port: r.port, ok: false, error: r.error.message, ...(r.error instanceof MpyIotError && r.error.hint ? { hint: r.error.hint } : {}) })),
      });
      return failed.length > 0 ? 3 : 0;
    }
    if (rows.length === 1 && failed.length === 1) throw (failed[0] as { error: Error }).error;
    out.line(summary(rows, out));
    for (const r of rows) {
      if ('result' in r) for (const warning of r.result.warnings) out.note(`  ${out.color.yellow('⚠')} ${r.port}: ${warning}`);
      else if (r.error instanceof MpyIotError && r.error.hint) out.note(`  ${out.color.dim(`${r.port}:`)} ${r.error.hint}`);
    }
    if (failed.length === 0) out.line(out.color.green(`✓ ${rows.length} board${rows.length === 1 ? '' : 's'} flashed with ${imageName(image)}${restartNote(rows)}`));
    else out.line(out.color.red(`✖ ${failed.length} of ${rows.length} failed`));
    return failed.length > 0 ? 3 : 0;
  },
});

/** --board, else the project device's board; `label` names it in a mismatch message. */
function pickBoard(args: FlashArgs & { project: string | undefined }, io: CliIo, out: Output): { board: BoardProfile; label: string } {
  if (args.board) {
    const boards = loadBoards();
    const board = boards.find(args.board);
    if (!board) {
      const close = boards.suggest(args.board);
      throw new InputError(`unknown board '${args.board}'`, [], { hint: close ? `did you mean '${close}'? (see \`mpy-iot boards\`)` : 'see `mpy-iot boards`' });
    }
    return { board, label: `board '${board.id}'` };
  }
  const project = optionalProject(args.project, io.cwd, io.env, out);
  if (!project) throw new InputError('which board?', [], { hint: 'pass --board (e.g. esp32, esp8266), or run in a project folder and pick --device' });
  const device = pickDevice(project, args.device);
  return { board: device.board, label: `device '${device.name}'` };
}

async function loadImage(args: FlashArgs, board: BoardProfile, io: CliIo): Promise<ResolvedImage> {
  if (args.image) return readImageFile(path.resolve(io.cwd, args.image));
  // MPY_IOT_RELEASES: another release list (a classroom mirror on the LAN, or tests).
  const releases = io.env.MPY_IOT_RELEASES ? loadReleases(path.resolve(io.cwd, io.env.MPY_IOT_RELEASES)) : undefined;
  return resolveRelease({ boardId: board.id, version: String(args.version), cacheDir: defaultCacheDir(io.env), ...(releases ? { releases } : {}) });
}

async function pickPorts(args: FlashArgs, io: CliIo): Promise<PortSummary[]> {
  if (args.port) {
    const known = await listPorts(io.serialBinding).catch(() => []);
    return [known.find((p) => p.path === args.port) ?? { path: args.port, vendorId: undefined, productId: undefined, manufacturer: undefined, serialNumber: undefined }];
  }
  if (!args.all) throw new InputError('which port?', [], { hint: 'pass --port PATH or --all (see `mpy-iot ports`)' });
  const ports = (await listPorts(io.serialBinding)).filter((p) => p.adapter);
  if (ports.length === 0) throw new InputError('no boards detected', [], { hint: 'see `mpy-iot ports`' });
  return ports;
}

/** Only claims a restart the reset lines actually made (a pseudo-terminal has none). */
function restartNote(rows: Row[]): string {
  const stayed = rows.filter((r) => 'result' in r && !r.result.restarted).length;
  if (stayed === 0) return ' and restarted';
  if (stayed === rows.length) return ' (not restarted: no reset lines; press its reset button)';
  return ` (${stayed} not restarted: no reset lines)`;
}

const imageName = (image: ResolvedImage): string => (image.version ? `MicroPython ${image.version}` : image.file.split(/[\\/]/).pop()!);

function summary(rows: Row[], out: Output): string {
  const c = out.color;
  return table(
    ['port', 'result', 'chip', 'MAC', 'written', 'on wire', 'baud', 'time'],
    rows.map((r) =>
      'result' in r
        ? [r.port, c.green('ok'), r.result.chip, r.result.mac ?? '', `${(r.result.bytesWritten / 1024).toFixed(0)} KiB`, `${(r.result.wireBytes / 1024).toFixed(0)} KiB`, String(r.result.baud), `${r.result.seconds.toFixed(1)} s`]
        : [r.port, c.red('failed'), '', '', '', '', '', r.error.message],
    ),
    c,
  );
}

/** One stderr line per board, redrawn in place; TTY only (a log file gets the summary alone). */
interface ProgressView {
  update(port: string, progress: FlashProgress): void;
  finish(port: string, text: string): void;
  done(): void;
}

function progressView(out: Output, tty: boolean, ports: string[]): ProgressView | undefined {
  if (out.json || !tty) return undefined;
  const state = new Map(ports.map((port) => [port, 'waiting']));
  const width = Math.max(...ports.map((p) => p.length));
  let drawn = false;
  let last = 0;
  const draw = (force: boolean): void => {
    const now = performance.now();
    if (!force && now - last < 100) return;
    last = now;
    const lines = ports.map((port) => `${port.padEnd(width)}  ${state.get(port)}`);
    out.note(`${drawn ? `\x1b[${ports.length}A` : ''}${lines.map((l) => `\x1b[2K${l}`).join('\n')}`);
    drawn = true;
  };
  return {
    update(port, p) {
      if (p.step === 'write' && p.total) {
        const share = (p.written ?? 0) / p.total;
        state.set(port, `${'█'.repeat(Math.round(share * 24)).padEnd(24, '░')} ${(share * 100).toFixed(0).padStart(3)}%`);
        draw(share === 1);
      } else {
        state.set(port, p.step);
        draw(true);
      }
    },
    finish(port, text) {
      state.set(port, text);
      draw(true);
    },
    done: () => draw(true),
  };
}
