// The page's files, read once at start: our own page, script and styles, and uPlot straight from
// its npm package (no CDN: classrooms are often offline).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  type: string;
  body: Buffer;
}

const PUBLIC = fileURLToPath(new URL('./public/', import.meta.url));

function uplotDir(): string {
  // The package's main entry is dist/uPlot.cjs.js; the browser build sits next to it.
  return path.dirname(createRequire(import.meta.url).resolve('uplot'));
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** URL path → file contents and type. */
export function loadAssets(): Map<string, Asset> {
  const files: [string, string][] = [
    ['/', path.join(PUBLIC, 'index.html')],
    ['/app.js', path.join(PUBLIC, 'app.js')],
    ['/cards.js', path.join(PUBLIC, 'cards.js')],
    ['/charts.js', path.join(PUBLIC, 'charts.js')],
    ['/app.css', path.join(PUBLIC, 'app.css')],
    ['/vendor/uPlot.iife.min.js', path.join(uplotDir(), 'uPlot.iife.min.js')],
    ['/vendor/uPlot.min.css', path.join(uplotDir(), 'uPlot.min.css')],
  ];
  return new Map(files.map(([route, file]) => [route, { type: TYPES[path.extname(file)] ?? 'application/octet-stream', body: readFileSync(file) }]));
}
