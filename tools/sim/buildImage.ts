// Reads a build folder as a virtual board's flash: the manifest, every file it lists (checked by
// sha256), and the few config.py values the host itself needs.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';
import type { Manifest } from '../render/build.ts';

export interface BuildImage {
  dir: string;
  manifest: Manifest;
  files: Record<string, Uint8Array>;
  /** Values of config.py the host acts on (the LED pin it watches). */
  config: { LED_PIN: number | null; LED_ACTIVE_LOW: boolean };
}

export function readBuild(dir: string): BuildImage {
  const manifestPath = path.join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new InputError(`no build in ${dir}`, [], { hint: 'run `mpy-iot build` first' });
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
  const files: Record<string, Uint8Array> = {};
  for (const entry of manifest.files) {
    const file = path.join(dir, entry.path);
    const contents = existsSync(file) ? readFileSync(file) : null;
    if (!contents || createHash('sha256').update(contents).digest('hex') !== entry.sha256) {
      throw new InputError(`${path.join(dir, entry.path)} ${contents ? 'was changed' : 'is missing'} since the build`, [], {
        hint: 'run `mpy-iot build` again (edit the project file or firmware/, not build/)',
      });
    }
    files[entry.path] = contents;
  }
  const configText = Buffer.from(files['config.py'] ?? new Uint8Array()).toString('utf8');
  return { dir, manifest, files, config: { LED_PIN: readInt(configText, 'LED_PIN'), LED_ACTIVE_LOW: /^LED_ACTIVE_LOW = True$/m.test(configText) } };
}

function readInt(text: string, name: string): number | null {
  const match = new RegExp(`^${name} = (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : null;
}
