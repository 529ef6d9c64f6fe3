// `mpy-iot build`: render → compile-check → (optionally) .mpy → write build/<device>/ atomically.
// Everything is rendered and compiled in memory first, so a failure in any device writes nothing.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadedProject } from '../config/index.ts';
import type { ResolvedDevice } from '../config/types.ts';
import { InputError, type InputIssue } from '../errors.ts';
import { compilePython } from './mpyCross.ts';
import { renderDevice, type RenderedFile } from './renderDevice.ts';
import { loadFirmwareSources, type FirmwareSources } from './sources.ts';

export interface BuildOptions {
  /** Folder that receives one sub-folder per device (default: <project dir>/build). */
  outDir?: string;
  /** Device names to build (default: all). */
  devices?: string[];
  /** Ship runtime modules as .mpy; undefined = the board's default (on for ESP8266). */
  mpy?: boolean;
  sources?: FirmwareSources;
  /** Called as each device finishes rendering and compiling. */
  onDevice?: (name: string, index: number, total: number) => void;
}

export interface ManifestFile {
  path: string;
  sha256: string;
  size: number;
}

export interface Manifest {
  tool: { name: 'mpy-iot'; version: string };
  device: string;
  board: string;
  mpy: boolean;
  /** sha256 of the resolved device settings without secrets: tells a stale build from a fresh one. */
  configHash: string;
  files: ManifestFile[];
}

export interface DeviceBuild {
  device: string;
  board: string;
  dir: string;
  manifest: Manifest;
  /** Bytes of the runtime as source and as shipped (equal when not compiled to .mpy). */
  runtimeSourceBytes: number;
  runtimeShippedBytes: number;
  totalBytes: number;
}

export async function buildProject(loaded: LoadedProject, options: BuildOptions = {}): Promise<DeviceBuild[]> {
  const outDir = path.resolve(loaded.dir, options.outDir ?? 'build');
  const selected = selectDevices(loaded.devices, options.devices);
  const sources = options.sources ?? loadFirmwareSources();
  const compiled = new Map<string, Promise<CompiledFile>>();
  const prepared: { device: ResolvedDevice; files: RenderedFile[]; mpy: boolean; runtimeSourceBytes: number }[] = [];
  const issues: InputIssue[] = [];

  for (const [i, device] of selected.entries()) {
    const mpy = options.mpy ?? device.board.mpy.default;
    const rendered = renderDevice(device, sources);
    const output: RenderedFile[] = [];
    for (const file of rendered) {
      if (!file.path.endsWith('.py')) {
        output.push(file);
        continue;
      }
      // Runtime modules are identical across devices of one arch: compile each once.
      const key = `${device.board.mpy.arch}|${file.path}|${sha256(file.contents)}`;
      let pending = compiled.get(key);
      if (!pending) {
        pending = compileFile(file, device);
        if (file.role !== 'config') compiled.set(key, pending);
      }
      const result = await pending;
      if (!result.ok) {
        issues.push(...result.errors.map((e) => ({ ...e, path: `${device.name}/${e.file}${e.line === null ? '' : `:${e.line}`}` })));
        continue;
      }
      output.push(mpy && file.role === 'runtime' ? { ...file, path: file.path.replace(/\.py$/, '.mpy'), contents: result.mpy } : file);
    }
    const runtimeSourceBytes = rendered.filter((f) => f.role === 'runtime').reduce((n, f) => n + f.contents.length, 0);
    prepared.push({ device, files: output, mpy, runtimeSourceBytes });
    options.onDevice?.(device.name, i, selected.length);
  }
  if (issues.length > 0) {
    throw new InputError(`the firmware does not compile (${issues.length} error${issues.length > 1 ? 's' : ''}); nothing was written`, issues, {
      hint: 'a template or firmware module has a syntax error; fix it at the file:line shown',
    });
  }

  return prepared.map(({ device, files, mpy, runtimeSourceBytes }) => {
    const manifest: Manifest = {
      tool: { name: 'mpy-iot', version: sources.toolVersion },
      device: device.name,
      board: device.board.id,
      mpy,
      configHash: configHash(device),
      files: files.map((f) => ({ path: f.path, sha256: sha256(f.contents), size: f.contents.length })).sort((a, b) => a.path.localeCompare(b.path)),
    };
    const dir = path.join(outDir, device.name);
    writeAtomically(dir, files, manifest);
    return {
      device: device.name,
      board: device.board.id,
      dir,
      manifest,
      runtimeSourceBytes,
      runtimeShippedBytes: files.filter((f) => f.role === 'runtime').reduce((n, f) => n + f.contents.length, 0),
      totalBytes: files.reduce((n, f) => n + f.contents.length, 0),
    };
  });
}

type CompiledFile = { ok: true; mpy: Uint8Array } | { ok: false; errors: (InputIssue & { file: string; line: number | null })[] };

async function compileFile(file: RenderedFile, device: ResolvedDevice): Promise<CompiledFile> {
  const result = await compilePython(file.path, Buffer.from(file.contents).toString('utf8'), { arch: device.board.mpy.arch });
  if (result.ok) return result;
  return { ok: false, errors: result.errors.map((e) => ({ path: '', file: file.path, line: e.line, message: e.message, severity: 'error' as const })) };
}

function selectDevices(devices: ResolvedDevice[], names: string[] | undefined): ResolvedDevice[] {
  if (!names || names.length === 0) return devices;
  return names.map((name) => {
    const device = devices.find((d) => d.name === name);
    if (!device) {
      throw new InputError(`no device named '${name}' in the project`, [], { hint: `devices: ${devices.map((d) => d.name).join(', ')}` });
    }
    return device;
  });
}

/** Writes into a fresh sibling folder, then swaps it in: readers never see a half-written build. */
function writeAtomically(dir: string, files: RenderedFile[], manifest: Manifest): void {
  const parent = path.dirname(dir);
  mkdirSync(parent, { recursive: true });
  const suffix = randomBytes(4).toString('hex');
  const staging = path.join(parent, `.${path.basename(dir)}.tmp-${suffix}`);
  const retired = path.join(parent, `.${path.basename(dir)}.old-${suffix}`);
  try {
    for (const file of files) {
      const target = path.join(staging, file.path);
      mkdirSync(path.dirname(target), { recursive: true });
      // config.py holds the Wi-Fi and MQTT passwords, certificate files a private key: owner only,
      // as `mpy-iot certs` writes them (a lab machine is shared).
      writeFileSync(target, file.contents, { mode: file.role === 'config' || file.role === 'certificate' ? 0o600 : 0o644 });
    }
    writeFileSync(path.join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    if (existsSync(dir)) renameSync(dir, retired);
    renameSync(staging, dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
    rmSync(retired, { recursive: true, force: true });
  }
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Hash of what the device was built from, with secrets left out (they never go into the manifest). */
export function configHash(device: ResolvedDevice): string {
  // `index` is the roster position: moving a device in the list does not change its firmware.
  const { wifi, mqtt, board, index: _index, ...rest } = device;
  const withoutSecrets = {
    ...rest,
    board: board.id,
    wifi: { ...wifi, password: undefined },
    mqtt: { ...mqtt, password: undefined },
  };
  return `sha256:${sha256(JSON.stringify(withoutSecrets))}`;
}

/** Refuses a missing build, or one made from other settings than the project's now. */
export function assertFreshBuild(device: ResolvedDevice, buildDir: string): void {
  const manifestPath = path.join(buildDir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new InputError(`device '${device.name}' has no build in ${buildDir}`, [], { hint: 'run `mpy-iot build` first' });
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  if (manifest.configHash !== configHash(device)) {
    throw new InputError(`the build of '${device.name}' is stale: the project changed since it was built`, [], { hint: 'run `mpy-iot build` again' });
  }
}
