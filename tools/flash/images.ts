// Firmware images for `flash`: a local .bin (--image), or a MicroPython release (--version)
// from the list kept in tools/flash/images/releases.json, downloaded once into a cache and
// checked by sha256 both when downloaded and every time it is reused.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeviceError, InputError } from '../errors.ts';

export interface ReleaseEntry {
  /** Relative to the list's baseUrl, or absolute. */
  url: string;
  /** Hex sha256 of the .bin; null until someone records it from a trusted download. */
  sha256: string | null;
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
  /** 'cache' when reused without any request. */
  source: 'file' | 'download' | 'cache';
  sha256: string;
  version?: string;
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

export interface ReleaseOptions {
  boardId: string;
  version: string;
  releases?: ReleaseList;
  cacheDir?: string;
  fetch?: typeof fetch;
  /** Gives up on a download after this long (default 120 s). */
  timeoutMs?: number;
}

/** The release's bytes: from the cache when present and intact, otherwise downloaded, verified and cached. */
export async function resolveRelease(options: ReleaseOptions): Promise<ResolvedImage> {
  const releases = options.releases ?? loadReleases();
  const versions = releases.boards[options.boardId];
  const entry = versions?.[options.version];
  if (!versions || !entry) {
    const known = versions ? Object.keys(versions).join(', ') : 'none';
    throw new InputError(`no MicroPython ${options.version} in the release list for board '${options.boardId}'`, [], { hint: `known versions: ${known}; or pass --image FILE` });
  }
  if (!entry.sha256 || !/^[0-9a-f]{64}$/i.test(entry.sha256)) {
    throw new InputError(`the release list has no sha256 for ${options.boardId} ${options.version}, so a download could not be verified`, [], {
      hint: `record it in ${releasesFile} (sha256sum of the file from ${new URL(entry.url, releases.baseUrl).href}), or pass --image FILE`,
    });
  }
  const expected = entry.sha256.toLowerCase();
  const url = new URL(entry.url, releases.baseUrl).href;
  const file = path.join(options.cacheDir ?? defaultCacheDir(), options.boardId, path.posix.basename(new URL(url).pathname));
  const cached = readCached(file, expected, entry.size);
  if (cached) return { bytes: cached, file, source: 'cache', sha256: expected, version: options.version };

  const bytes = await download(url, options, file);
  const actual = sha256Hex(bytes);
  if (actual !== expected || (entry.size !== undefined && bytes.length !== entry.size)) {
    throw new DeviceError(`download of ${url} does not match the release list: sha256 ${actual} (${bytes.length} bytes), expected ${expected}${entry.size === undefined ? '' : ` (${entry.size} bytes)`}`, {
      hint: 'Nothing was cached. A proxy or captive portal may have answered instead; retry, or download it yourself and pass --image FILE.',
    });
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const part = `${file}.${process.pid}.part`;
  writeFileSync(part, bytes);
  renameSync(part, file);
  return { bytes, file, source: 'download', sha256: actual, version: options.version };
}

/** A cached file whose hash (and size) match; a corrupt one is deleted so it is fetched again. */
function readCached(file: string, sha256: string, size: number | undefined): Uint8Array | undefined {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch {
    return undefined;
  }
  if (sha256Hex(bytes) === sha256 && (size === undefined || bytes.length === size)) return bytes;
  rmSync(file, { force: true });
  return undefined;
}

async function download(url: string, options: ReleaseOptions, file: string): Promise<Uint8Array> {
  const offline = (why: string, cause?: unknown): DeviceError =>
    new DeviceError(`cannot download MicroPython ${options.version} for ${options.boardId} from ${url}: ${why}; it is not in the cache (${file})`, {
      cause,
      hint: 'Connect to the internet once (it is cached afterwards), or pass --image FILE with a .bin you already have.',
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
