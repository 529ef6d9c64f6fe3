#!/usr/bin/env node
// `npm run build` (and prepack): the library in dist/, compiled by tsc from tsconfig.build.json, plus
// the files the compiled modules read next to themselves (the sim's worker .mjs and Python shims,
// the flash image table…), so dist/ mirrors tools/. dist/ is rebuilt from nothing each time: a
// module deleted from tools/ must not live on in the package.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tools = path.join(root, 'tools');
const dist = path.join(root, 'dist');

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);

/** Everything but TypeScript sources (which tsc compiled) and this script. */
function copyAssets(dir) {
  for (const entry of readdirSync(dir)) {
    const from = path.join(dir, entry);
    if (statSync(from).isDirectory()) copyAssets(from);
    else if (!entry.endsWith('.ts') && from !== fileURLToPath(import.meta.url)) cpSync(from, path.join(dist, path.relative(tools, from)));
  }
}
copyAssets(tools);
