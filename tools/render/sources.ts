// Reads the static inputs of a build once: per-family templates and the shared runtime.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { packagePaths } from '../paths.ts';

export interface FirmwareSources {
  /** Template files by family, after the fallback to templates/common/ (file name → source). */
  templates: Map<string, Map<string, string>>;
  /** Runtime modules: device path (lib/mpyiot/…) → source. */
  runtime: Map<string, string>;
  toolVersion: string;
}

const TEMPLATE_FILES = ['boot.py', 'main.py'] as const;

export function loadFirmwareSources(
  dirs: { templates: string; firmware: string } = { templates: packagePaths.templates, firmware: packagePaths.firmware },
): FirmwareSources {
  const templates = new Map<string, Map<string, string>>();
  const families = readdirSync(dirs.templates).filter((d) => d !== 'common' && statSync(path.join(dirs.templates, d)).isDirectory());
  for (const family of families) {
    const files = new Map<string, string>();
    for (const file of TEMPLATE_FILES) {
      const own = path.join(dirs.templates, family, file);
      files.set(file, readFileSync(existsSync(own) ? own : path.join(dirs.templates, 'common', file), 'utf8'));
    }
    templates.set(family, files);
  }
  const runtime = new Map<string, string>();
  const walk = (dir: string, devicePrefix: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full, `${devicePrefix}${entry}/`);
      else if (entry.endsWith('.py')) runtime.set(`${devicePrefix}${entry}`, readFileSync(full, 'utf8'));
    }
  };
  walk(path.join(dirs.firmware, 'mpyiot'), 'lib/mpyiot/');
  const { version } = JSON.parse(readFileSync(packagePaths.packageJson, 'utf8')) as { version: string };
  return { templates, runtime, toolVersion: version };
}
