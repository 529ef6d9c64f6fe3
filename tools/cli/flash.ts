// `mpy-iot flash`: MicroPython onto one board, or every board plugged in, in parallel.
import path from 'node:path';
import { loadBoards, type BoardProfile } from '../boards/index.ts';
import { InputError, MpyIotError } from '../errors.ts';
import { checkImage, flashBoard, type BoardPicker, type FlashProgress, type FlashResult } from '../flash/flash.ts';
import { defaultCacheDir, loadReleases, readImageFile, resolveRelease, type ImageSource, type ResolvedImage } from '../flash/images.ts';
import { pinsFile } from '../flash/pins.ts';
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
  mirror: string | undefined;
  imageDir: string | undefined;
  repin: boolean | undefined;
  erase: boolean;
  baud: number | undefined;
}

type Row = { port: string; result: FlashResult } | { port: string; error: MpyIotError | Error };

export const flashCommand = defineCommand<FlashArgs>({
  command: 'flash',
  describe:
    'Write MicroPython to a board (or every detected board in parallel) with esptool-js, verify it, and restart it. ' +
    'Without --board (or a project device) the chip is detected and its board profile used; a board that disagrees with the detected chip is refused before anything is written. ' +
    'Every image is checked by its own structure first (ESP image header, chip id and appended SHA-256 on the ESP32 family, segments inside the file, XOR checksum; ' +
    "a release's partition table and app image, or the ESP8266's MD5 trailer). --version releases come from micropython.org, --mirror or --image-dir; " +
    "the first verified download of each board and version has its sha256 pinned in the user's cache folder (pins.json under ~/.cache/mpy-iot/firmware or $MPY_IOT_CACHE_DIR), " +
    'and a later file that differs is refused (accept it with --repin).',
  builder: (y) =>
    y
      // `--version` is yargs' own (the package version) unless turned off for this command.
      .version(false)
      .option('port', { type: 'string', requiresArg: true, describe: 'Serial port, e.g. /dev/ttyUSB0 (see `mpy-iot ports`)' })
      .option('all', { type: 'boolean', describe: 'Flash every detected board in parallel' })
      .option('board', { alias: 'b', type: 'string', requiresArg: true, describe: "Board profile (default: the project device's board, else the one for the chip detected on the port)" })
      .option('device', { alias: 'd', type: 'string', requiresArg: true, describe: 'Project device whose board to use' })
      .option('image', { type: 'string', requiresArg: true, describe: 'A MicroPython .bin to write' })
      .option('version', { type: 'string', requiresArg: true, describe: 'A MicroPython release from the built-in list: downloaded once, verified by its structure, sha256 pinned on first use, cached' })
      .option('mirror', { type: 'string', requiresArg: true, describe: 'Fetch --version releases from this URL (a class mirror holding the micropython.org file names) [env MPY_IOT_MIRROR]' })
      .option('image-dir', { type: 'string', requiresArg: true, describe: 'Take --version releases from this folder of micropython.org .bin files (names unchanged) [env MPY_IOT_IMAGE_DIR]' })
      .option('repin', { type: 'boolean', describe: 'Accept a --version file whose sha256 differs from the one pinned on first use, and pin it instead' })
      .option('erase', { type: 'boolean', default: false, describe: 'Erase the whole flash first (also removes the files on the board)' })
      .option('baud', { type: 'number', requiresArg: true, describe: "Transfer baud rate (default: the board's, usually 460800)" })
      .conflicts('port', 'all')
      .conflicts('image', 'version')
      .conflicts('board', 'device')
      .conflicts('mirror', 'image-dir')
      .conflicts('image', ['mirror', 'image-dir', 'repin'])
      .check((argv) => (argv.image !== undefined || argv.version !== undefined ? true : 'give --image FILE or --version V'))
      .example('$0 flash --port /dev/ttyUSB0 --version 1.24.1', "Detects the chip, then writes that board's release (downloaded once, verified, pinned, cached)")
      .example('$0 flash --all --version 1.24.1 --mirror http://192.168.1.10:8000/', "A class: every board from the teacher's mirror")
      .example('$0 flash --all --image ESP8266_GENERIC-20241129-v1.24.1.bin -b esp8266', 'A whole classroom of ESP8266s at once')
      .example('$0 flash -d team-1 --port /dev/ttyUSB0 --image fw.bin --erase', "Erase, then flash device team-1's board"),
  async run(args, { io, out }) {
    const { board, label } = pickBoard(args, io, out);
    const images = imageLoader(args, io);
    // A known board: the image is fetched and verified before any port is touched.
    if (typeof board !== 'function') checkImage((await images.load(board)).bytes, board, label);
    const ports = await pickPorts(args, io);
    const progress = progressView(out, io.isTTY, ports.map((p) => p.path));
    const results = await Promise.allSettled(
      ports.map((p) =>
        flashBoard({
          path: p.path,
          ...(io.serialBinding ? { binding: io.serialBinding } : {}),
          board,
          image: async (chosen) => (await images.load(chosen)).bytes,
          ...(args.baud !== undefined ? { baud: args.baud } : {}),
          erase: args.erase,
          ...(label ? { label } : {}),
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
    const failed = rows.filter((r): r is Extract<Row, { error: unknown }> => 'error' in r);
    // A device or transport failure outranks a refusal (wrong chip, bad image): 3, else 2.
    const code = failed.length === 0 ? 0 : failed.some((r) => !(r.error instanceof InputError)) ? 3 : 2;
    const used = [...images.loaded.values()];
    if (out.json) {
      out.document({
        ok: failed.length === 0,
        ...(typeof board === 'function' ? {} : { board: board.id }),
        ...(used.length === 1 ? { image: imageJson(used[0]!) } : {}),
        ports: rows.map((r) =>
          'result' in r
            ? { port: r.port, ok: true, ...r.result, ...(used.length > 1 ? { image: imageJson(images.loaded.get(r.result.board)!) } : {}) }
            : { port: r.port, ok: false, error: r.error.message, ...(r.error instanceof MpyIotError && r.error.hint ? { hint: r.error.hint } : {}) },
        ),
      });
      return code;
    }
    for (const image of used) out.note(imageNote(image, io.env));
    if (rows.length === 1 && failed.length === 1) throw failed[0]!.error;
    out.line(summary(rows, out));
    for (const r of rows) {
      if ('result' in r) {
        if (r.result.detected) out.note(`  ${r.port}: found an ${r.result.chip}, flashed as board ${r.result.board} (no --board given)`);
        for (const warning of r.result.warnings) out.note(`  ${out.color.yellow('⚠')} ${r.port}: ${warning}`);
      } else if (r.error instanceof MpyIotError && r.error.hint) out.note(`  ${out.color.dim(`${r.port}:`)} ${r.error.hint}`);
    }
    if (failed.length === 0) out.line(out.color.green(`✓ ${rows.length} board${rows.length === 1 ? '' : 's'} flashed with ${used.map(imageName).join(', ')}${restartNote(rows)}`));
    else out.line(out.color.red(`✖ ${failed.length} of ${rows.length} failed`));
    return code;
  },
});

const imageJson = (image: ResolvedImage) => ({
  file: image.file,
  source: image.source,
  sha256: image.sha256,
  bytes: image.bytes.length,
  ...(image.version ? { version: image.version } : {}),
  ...(image.from ? { from: image.from } : {}),
  ...(image.pin ? { pin: image.pin } : {}),
  ...(image.report ? { verified: image.report.verified, notVerified: image.report.notVerified } : {}),
});

/** One line saying what was checked about a release and how it stands against its pin. */
function imageNote(image: ResolvedImage, env: NodeJS.ProcessEnv): string {
  if (!image.version) return `${imageName(image)}: structure checked (header, chip id, segments, checksum, SHA-256 where present)`;
  const pin = { new: 'sha256 pinned now (first use)', matched: 'sha256 matches the pin from its first use', repinned: 'sha256 re-pinned (--repin)' }[image.pin ?? 'matched'];
  const from = image.source === 'cache' ? 'the cache' : image.from;
  return `MicroPython ${image.version} from ${from}: structure verified (${image.report?.verified.join('; ')}), ${pin} in ${pinsFile(defaultCacheDir(env))}`;
}

/**
 * --board, else the project device's board, else a picker for the chip detected on each port
 * (limited to the project's boards in a project with several devices and no --device).
 * `label` names the board in a mismatch message.
 */
function pickBoard(args: FlashArgs & { project: string | undefined }, io: CliIo, out: Output): { board: BoardProfile | BoardPicker; label?: string } {
  const boards = loadBoards();
  if (args.board) {
    const board = boards.find(args.board);
    if (!board) {
      const close = boards.suggest(args.board);
      throw new InputError(`unknown board '${args.board}'`, [], { hint: close ? `did you mean '${close}'? (see \`mpy-iot boards\`)` : 'see `mpy-iot boards`' });
    }
    return { board, label: `board '${board.id}'` };
  }
  const project = optionalProject(args.project, io.cwd, io.env, out);
  if (project && (args.device || project.devices.length === 1)) {
    const device = pickDevice(project, args.device);
    return { board: device.board, label: `device '${device.name}'` };
  }
  const allowed = project ? [...new Set(project.devices.map((d) => d.board.id))] : undefined;
  return {
    board: (chip) => {
      const board = boards.boards.find((b) => b.chip === chip);
      if (!board) throw new InputError(`the detected chip ${chip} has no board profile`, [], { hint: `pass --board (see \`mpy-iot boards\`): known chips are ${boards.boards.map((b) => b.chip).join(', ')}. Nothing was written.` });
      if (allowed && !allowed.includes(board.id)) {
        throw new InputError(`the detected chip is an ${chip} (board ${board.id}), but the project's devices are ${allowed.join(', ')}`, [], {
          hint: `plug in one of the project's boards, or pass --board ${board.id} to flash it anyway. Nothing was written.`,
        });
      }
      return board;
    },
  };
}

/** The image for a board: --image (read once), or the --version release for that board (fetched and verified once per board, however many ports). */
function imageLoader(args: FlashArgs, io: CliIo): { load(board: BoardProfile): Promise<ResolvedImage>; loaded: Map<string, ResolvedImage> } {
  const loaded = new Map<string, ResolvedImage>();
  const pending = new Map<string, Promise<ResolvedImage>>();
  const file = args.image ? readImageFile(path.resolve(io.cwd, args.image)) : undefined;
  // MPY_IOT_RELEASES: another release list (tests, or a class with its own builds).
  const releases = !file && io.env.MPY_IOT_RELEASES ? loadReleases(path.resolve(io.cwd, io.env.MPY_IOT_RELEASES)) : undefined;
  const source = file ? {} : imageSource(args, io);
  return {
    loaded,
    load(board) {
      let promise = pending.get(board.id);
      if (!promise) {
        promise = file
          ? Promise.resolve(file)
          : resolveRelease({ board, version: String(args.version), cacheDir: defaultCacheDir(io.env), source, repin: args.repin === true, ...(releases ? { releases } : {}) });
        promise = promise.then((image) => (loaded.set(board.id, image), image));
        pending.set(board.id, promise);
      }
      return promise;
    },
  };
}

/** --mirror / --image-dir, else MPY_IOT_MIRROR / MPY_IOT_IMAGE_DIR; checked here so a typo is named before any download. */
function imageSource(args: FlashArgs, io: CliIo): ImageSource {
  const fromFlags = args.mirror !== undefined || args.imageDir !== undefined;
  const mirror = fromFlags ? args.mirror : io.env.MPY_IOT_MIRROR || undefined;
  const dir = fromFlags ? args.imageDir : io.env.MPY_IOT_IMAGE_DIR || undefined;
  const mirrorName = fromFlags ? '--mirror' : 'MPY_IOT_MIRROR';
  if (mirror !== undefined && dir !== undefined) throw new InputError('MPY_IOT_MIRROR and MPY_IOT_IMAGE_DIR are both set', [], { hint: 'unset one, or pass --mirror URL or --image-dir DIR for this run' });
  if (mirror !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(mirror);
    } catch {
      // reported below
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new InputError(`${mirrorName} '${mirror}' is not an http:// or https:// URL`, [], { hint: `e.g. ${mirrorName === '--mirror' ? '--mirror ' : 'MPY_IOT_MIRROR='}http://192.168.1.10:8000/ (a folder of micropython.org .bin files served over HTTP)` });
    }
    if (url.username || url.password) {
      url.password = url.password ? '***' : '';
      throw new InputError(`${mirrorName} ${url.href} carries a user name or password`, [], { hint: 'serve the mirror without a login (on the class network), so no password ends up in shell history, messages or the pin file' });
    }
    return { mirror: url.href };
  }
  return dir !== undefined ? { dir: path.resolve(io.cwd, dir) } : {};
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
