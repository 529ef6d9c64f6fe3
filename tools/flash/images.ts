// Firmware images for `flash`: a local .bin (--image), or a MicroPython release (--version) named
// in tools/flash/images/releases.json, fetched from micropython.org, a class mirror (--mirror) or
// a local folder (--image-dir). A release is verified by its own structure (imageCheck.ts) before
// it is cached or written, and its sha256 is pinned on first use (pins.ts): a later download of
// the same version that differs is refused. Cached files are checked again on every reuse.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { imageOffset, type BoardProfile } from '../boards/index.ts';
import { DeviceError, InputError } from '../errors.ts';
import { verifyFirmware, type ImageReport } from './imageCheck.ts';
import { ImageFormatError } from './imageHeader.ts';
import { writeCacheFile } from './cacheFile.ts';
import { pinKey, pinsFile, readPins, savePin, type Pin } from './pins.ts';

export interface ReleaseEntry {
  /** Relative to the list's baseUrl, or absolute. */
  url: string;
  /** Hex sha256 of the .bin, checked when present (the pin and the image's structure are checked always). */
  sha256?: string | null;
  size?: number;
}

export interface ReleaseList {
  baseUrl: string;
  /** board id → version → entry */
  boards: Record<string, Record<string, ReleaseEntry>>;
}

export interface ResolvedImage {
  bytes: Uint8Array;
  /** Where the bytes live (the cache file, or the --image path). */
  file: string;
  /** 'cache' when reused without any request; 'folder' when read from --image-dir. */
  source: 'file' | 'download' | 'cache' | 'folder';
  sha256: string;
  version?: string;
  /** The URL or file the bytes came from (releases). */
  from?: string;
  /** Trust on first use: 'new' when this run recorded the pin, 'matched' when the bytes matched it, 'repinned' after --repin. */
  pin?: 'new' | 'matched' | 'repinned';
  /** What the structure check covered (releases; --image files are checked by flashBoard). */
  report?: ImageReport;
}

export const releasesFile = fileURLToPath(new URL('./images/releases.json', import.meta.url));

export function loadReleases(file: string = releasesFile): ReleaseList {
  let list: ReleaseList;
  try {
    list = JSON.parse(readFileSync(file, 'utf8')) as ReleaseList;
  } catch (cause) {
    throw new InputError(`cannot read the release list ${file}: ${(cause as Error).message}`, [], { cause });
  }
  if (typeof list?.baseUrl !== 'string' || typeof list.boards !== 'object' || list.boards === null) {
    throw new InputError(`the release list ${file} needs "baseUrl" (a URL) and "boards" ({ board: { version: { url, sha256 } } })`);
  }
  return list;
}

/** `$MPY_IOT_CACHE_DIR`, else the platform's user cache folder, + `/firmware`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MPY_IOT_CACHE_DIR) return path.join(env.MPY_IOT_CACHE_DIR, 'firmware');
  const base = env.XDG_CACHE_HOME || (process.platform === 'win32' && env.LOCALAPPDATA) || (process.platform === 'darwin' ? path.join(os.homedir(), 'Library', 'Caches') : path.join(os.homedir(), '.cache'));
  return path.join(base, 'mpy-iot', 'firmware');
}

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Reads a local image; InputError (exit 2) when it is missing or empty. */
export function readImageFile(file: string): ResolvedImage {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (cause) {
    throw new InputError(`cannot read image ${file}: ${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}`, [], { cause, hint: 'pass --image PATH to a MicroPython .bin, or --version V' });
  }
  if (bytes.length === 0) throw new InputError(`image ${file} is empty`);
  return { bytes, file, source: 'file', sha256: sha256Hex(bytes) };
}

/** Where a release comes from instead of the list's baseUrl: a class mirror (same file names) or a local folder. */
export interface ImageSource {
  mirror?: string;
  dir?: string;
}

export interface ReleaseOptions {
  board: BoardProfile;
  version: string;
  releases?: ReleaseList;
  cacheDir?: string;
  source?: ImageSource;
  /** Accept a file that differs from the pinned one, and pin it instead. */
  repin?: boolean;
  fetch?: typeof fetch;
  /** Gives up on a download after this long (default 120 s). */
  timeoutMs?: number;
}

/**
 * The release's bytes, verified by structure and against the pin: from the cache when present and
 * intact, else from the folder or downloaded (and cached). Nothing is cached or pinned unless the
 * bytes pass every check. InputError (exit 2) for a bad or changed file, DeviceError (exit 3) when
 * the download itself fails.
 */
export async function resolveRelease(options: ReleaseOptions): Promise<ResolvedImage> {
  const { board, version } = options;
  const releases = options.releases ?? loadReleases();
  const versions = releases.boards[board.id];
  const entry = versions?.[version] ?? (options.source?.dir ? inFolder(options.source.dir, versions, version) : undefined);
  if (!versions || !entry) {
    const known = versions ? Object.keys(versions).join(', ') : 'none';
    throw new InputError(`no MicroPython ${version} in the release list for board '${board.id}'`, [], {
      hint: `known versions: ${known}; for another, put its .bin from https://micropython.org/download/ in a folder and pass --image-dir DIR, or pass --image FILE`,
    });
  }
  const listUrl = new URL(entry.url, releases.baseUrl).href;
  const name = path.posix.basename(new URL(listUrl).pathname);
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const key = pinKey(board.id, version);
  const pin = readPins(cacheDir)[key];
  const cacheFile = path.join(cacheDir, board.id, name);
  const what = `MicroPython ${version} for ${board.id}`;

  if (options.source?.dir) {
    const file = path.join(options.source.dir, name);
    const bytes = readFromFolder(file, options.source.dir, name, what);
    const checked = check(bytes, { ...options, what, from: file, pin, key, cacheDir, entry, hint: `Nothing was written. Replace ${file} with the original ${name} from https://micropython.org/download/ (keep its name).` });
    return { bytes, file, source: 'folder', version, from: file, ...checked };
  }

  const from = options.source?.mirror ? new URL(name, options.source.mirror.endsWith('/') ? options.source.mirror : `${options.source.mirror}/`).href : listUrl;
  const cached = readCached(cacheFile, pin, board);
  if (cached) return { bytes: cached.bytes, file: cacheFile, source: 'cache', sha256: sha256Hex(cached.bytes), version, from: cacheFile, pin: 'matched', report: cached.report };

  const bytes = await download(from, what, cacheFile, options);
  const checked = check(bytes, {
    ...options,
    what,
    from,
    pin,
    key,
    cacheDir,
    entry,
    hint: `Nothing was cached or written. A proxy or captive portal may have answered, or the server holds a damaged file: retry, or put a good ${name} in a folder and use --image-dir.`,
  });
  writeCacheFile(cacheFile, bytes);
  return { bytes, file: cacheFile, source: 'download', version, from, ...checked };
}

/**
 * A version the list does not know yet, found in the folder under micropython.org's naming: the
 * board's file prefix from the list (e.g. ESP32_GENERIC), a build date, then `-v<version>.bin`.
 */
function inFolder(dir: string, versions: Record<string, ReleaseEntry> | undefined, version: string): ReleaseEntry | undefined {
  const prefixes = new Set(Object.values(versions ?? {}).map((e) => /^(.+)-\d{8}-v[^/]+\.bin$/.exec(path.posix.basename(e.url))?.[1]).filter((p): p is string => p !== undefined));
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return undefined; // reported as "not a folder" when it is read
  }
  const matches = files.filter((f) => [...prefixes].some((prefix) => f.startsWith(`${prefix}-`) && f.endsWith(`-v${version}.bin`) && /^\d{8}$/.test(f.slice(prefix.length + 1, -`-v${version}.bin`.length))));
  if (matches.length > 1) {
    throw new InputError(`several files in ${dir} are MicroPython ${version}: ${matches.sort().join(', ')}`, [], {
      hint: 'keep one build of each version in the folder (or pass the one you want with --image FILE)',
    });
  }
  return matches.length === 1 ? { url: matches[0]! } : undefined;
}

interface CheckContext extends ReleaseOptions {
  what: string;
  from: string;
  pin: Pin | undefined;
  key: string;
  cacheDir: string;
  entry: ReleaseEntry;
  /** What to do when the bytes are bad (and what was left untouched). */
  hint: string;
}

/** Structure, the list's sha256 (when it has one), then the pin; records the pin when the bytes pass and there was none (or --repin). */
function check(bytes: Uint8Array, ctx: CheckContext): Pick<ResolvedImage, 'sha256' | 'pin' | 'report'> {
  const report = structure(bytes, ctx.board, ctx.what, ctx.from, ctx.hint);
  const sha256 = sha256Hex(bytes);
  const listed = ctx.entry.sha256?.toLowerCase();
  if (listed && listed !== sha256) throw new InputError(`${ctx.what} from ${ctx.from} has sha256 ${sha256}, the release list says ${listed}`, [], { hint: ctx.hint });
  if (ctx.pin && ctx.pin.sha256 === sha256) return { sha256, pin: 'matched', report };
  if (ctx.pin && !ctx.repin) {
    throw new InputError(
      `${ctx.what} from ${ctx.from} is not the file pinned on first use: sha256 ${sha256} (${bytes.length} bytes), pinned ${ctx.pin.sha256} (${ctx.pin.size} bytes) on ${ctx.pin.pinnedAt} from ${ctx.pin.from}`,
      [],
      { hint: `Nothing was cached or written. If the file was really re-published (or the mirror holds another good build), accept it with --repin; otherwise get the original file. Pins: ${pinsFile(ctx.cacheDir)}` },
    );
  }
  savePin(ctx.cacheDir, ctx.key, { sha256, size: bytes.length, pinnedAt: new Date().toISOString(), from: ctx.from });
  return { sha256, pin: ctx.pin ? 'repinned' : 'new', report };
}

function structure(bytes: Uint8Array, board: BoardProfile, what: string, from: string, hint: string): ImageReport {
  try {
    return verifyFirmware(bytes, board.chip, imageOffset(board), 'release');
  } catch (error) {
    if (!(error instanceof ImageFormatError)) throw error;
    throw new InputError(`${what} from ${from} is not a valid ${board.chip} release: ${error.message}`, [], { cause: error, hint });
  }
}

/** A cached file that still matches its pin and passes the structure check; a bad one is deleted so it is fetched again. */
function readCached(file: string, pin: Pin | undefined, board: BoardProfile): { bytes: Uint8Array; report: ImageReport } | undefined {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch {
    return undefined;
  }
  if (pin && sha256Hex(bytes) === pin.sha256) {
    try {
      return { bytes, report: verifyFirmware(bytes, board.chip, imageOffset(board), 'release') };
    } catch {
      // a pinned but malformed file cannot happen unless the pins were edited: fetch again
    }
  }
  rmSync(file, { force: true });
  return undefined;
}

function readFromFolder(file: string, dir: string, name: string, what: string): Uint8Array {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new InputError(`--image-dir ${dir} is not a folder`, [], { hint: 'pass the folder that holds the MicroPython .bin files (as downloaded from micropython.org, names unchanged)' });
  try {
    return new Uint8Array(readFileSync(file));
  } catch (cause) {
    const bins = readdirSync(dir).filter((f) => f.endsWith('.bin'));
    throw new InputError(`${what} is not in ${dir}: no ${name}`, [], {
      cause,
      hint: `put ${name} (from https://micropython.org/download/) in ${dir}${bins.length > 0 ? `; it has: ${bins.slice(0, 8).join(', ')}${bins.length > 8 ? ', …' : ''}` : ''}`,
    });
  }
}

async function download(url: string, what: string, cacheFile: string, options: ReleaseOptions): Promise<Uint8Array> {
  const offline = (why: string, cause?: unknown): DeviceError =>
    new DeviceError(`cannot download ${what} from ${url}: ${why}; it is not in the cache (${cacheFile})`, {
      cause,
      hint: options.source?.mirror
        ? 'Check that the mirror is running and reachable from this computer, or use --image-dir with a folder of the .bin files.'
        : 'Connect to the internet once (it is cached afterwards), use a class mirror (--mirror URL) or a folder (--image-dir DIR), or pass --image FILE.',
    });
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 120_000) });
  } catch (cause) {
    const error = cause as Error & { cause?: { code?: string; message?: string } };
    throw offline(error.cause?.code ?? error.cause?.message ?? error.message, cause);
  }
  if (!response.ok) throw offline(`HTTP ${response.status} ${response.statusText}`.trim());
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (cause) {
    throw offline(`the transfer broke off (${(cause as Error).message})`, cause);
  }
}
