// The files `mpy-iot init` writes: the MQTT lab as a project (pure; the CLI writes them).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packagePaths, packageRoot } from '../paths.ts';
import type { BoardProfile } from '../boards/types.ts';
import type { ProjectFile } from '../config/types.ts';

export interface ScaffoldFile {
  path: string;
  contents: string;
  /** Shown in the summary: what the user does with it. */
  purpose: string;
}

export interface ScaffoldOptions {
  /** Folder the files go to: decides the relative `$schema` path. */
  targetDir: string;
  board?: BoardProfile;
  /** Values written to .env (the defaults point at a broker on this computer). */
  env?: { WIFI_SSID: string; WIFI_PASSWORD: string; MQTT_HOST: string };
}

/** `sensor` is "simulated" for boards without an internal sensor (ESP8266), so the scaffold builds as is. */
export function labProject(schemaRef: string, board: string, sensor: 'internal' | 'simulated' = 'internal'): ProjectFile {
  return {
    $schema: schemaRef,
    project: 'mqtt-lab',
    grading: { language: 'ru' },
    defaults: {
      board,
      wifi: { ssid: '${WIFI_SSID}', password: '${WIFI_PASSWORD}' },
      mqtt: { url: 'mqtt://${MQTT_HOST}:1883', qos: 0 },
      telemetry: { intervalSeconds: 10, topics: ['DATA/{mac}'], sensor },
      listen: ['RESULT'],
    },
    devices: [{ name: 'team-1', telemetry: { students: ['Иванов И.И', 'Петрова А.С'], group: 'БАГ-18-01' } }],
  };
}

export function scaffoldLab(options: ScaffoldOptions): ScaffoldFile[] {
  const schemaRef = projectSchemaRef(options.targetDir);
  const env = options.env ?? { WIFI_SSID: 'lab-wifi', WIFI_PASSWORD: 'change-me-please', MQTT_HOST: '127.0.0.1' };
  const envText = (values: Record<string, string>): string =>
    [
      '# Secrets and per-site settings for mpy-iot.json (referenced as ${NAME}).',
      '# Keep .env out of version control; share .env.example instead.',
      ...Object.entries(values).map(([k, v]) => `${k}=${v}`),
      '',
    ].join('\n');
  return [
    { path: 'mpy-iot.json', contents: JSON.stringify(labProject(schemaRef, options.board?.id ?? 'esp32', options.board?.temperature.source === null ? 'simulated' : 'internal'), null, 2) + '\n', purpose: 'the project: boards, Wi-Fi, broker, topics, students' },
    { path: 'telemetry.schema.json', contents: readFileSync(path.join(packagePaths.schema, 'telemetry.lab.schema.json'), 'utf8'), purpose: 'JSON Schema every payload is verified against' },
    { path: '.env.example', contents: envText({ WIFI_SSID: 'your-network', WIFI_PASSWORD: 'your-wifi-password', MQTT_HOST: '192.168.1.10' }), purpose: 'the variables the project needs (commit this one)' },
    { path: '.env', contents: envText(env), purpose: 'your values: edit Wi-Fi and broker address (never commit)' },
    { path: '.gitignore', contents: '.env\nbuild/\nnode_modules/\n', purpose: 'keeps secrets and builds out of git' },
    ...(mpyIotFromEnclosingFolder(options.targetDir)
      ? []
      : [{ path: 'package.json', contents: JSON.stringify(labPackageJson(options.targetDir), null, 2) + '\n', purpose: '`npm install` pins mpy-iot and tsx here; `npm test` runs the test below' }]),
    { path: 'test/telemetry.test.ts', contents: readFileSync(LAB_TEST, 'utf8'), purpose: 'virtual boards + a broker: every payload against the schema' },
  ];
}

/** The scaffolded test (type-checked with the tool's own sources, so it cannot fall behind the API). */
const LAB_TEST = path.join(packageRoot, 'tools', 'init', 'lab', 'telemetry.test.ts');

/**
 * True when a folder above the lab already gives it mpy-iot: a `node_modules/mpy-iot` (the lab sits
 * in a project that installed it) or mpy-iot's own checkout (Node resolves a package's own name
 * inside it). A package.json in the lab would then make the lab its own npm project, where
 * `npx mpy-iot` and `import 'mpy-iot'` no longer find that install, so init writes none.
 */
export function mpyIotFromEnclosingFolder(targetDir: string): boolean {
  for (let dir = path.dirname(path.resolve(targetDir)); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'node_modules', 'mpy-iot', 'package.json'))) return true;
    if (readPackageName(path.join(dir, 'package.json')) === 'mpy-iot') return true;
    if (path.dirname(dir) === dir) return false;
  }
}

function readPackageName(file: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}

/**
 * ESM (the library is ESM-only); tsx runs the TypeScript test on any Node ≥ 20. mpy-iot as this
 * tool came: the registry's version when it runs from an installed package, else (a git checkout)
 * a `file:` link to the checkout, since that version may not be published.
 */
function labPackageJson(targetDir: string): Record<string, unknown> {
  const own = JSON.parse(readFileSync(packagePaths.packageJson, 'utf8')) as { version: string; dependencies: Record<string, string> };
  const installed = packageRoot.split(path.sep).includes('node_modules');
  const mpyIot = installed ? `^${own.version}` : `file:${toPosix(path.relative(path.resolve(targetDir), packageRoot))}`;
  return {
    name: 'mqtt-lab',
    private: true,
    type: 'module',
    scripts: { test: 'node --import tsx --test test/*.test.ts' },
    devDependencies: { 'mpy-iot': mpyIot, tsx: own.dependencies.tsx },
  };
}

/**
 * The git checkout init runs from, when its compiled library (dist/, what `import 'mpy-iot'`
 * loads) is not built yet: the lab's test would fail with ERR_MODULE_NOT_FOUND until
 * `npm run build` there. Null for an installed package (dist/ ships in it) or a built checkout.
 */
export function unbuiltCheckout(root: string = packageRoot): string | null {
  const installed = root.split(path.sep).includes('node_modules');
  return installed || existsSync(path.join(root, 'dist', 'lib', 'index.js')) ? null : root;
}

/**
 * Where the project's `$schema` points: the schema of the mpy-iot installed in the project (found
 * walking up from the project folder, as Node resolves packages), else where `npm install mpy-iot`
 * in the project folder puts it. Never into the running tool's own folder: that is a git checkout
 * or npx's cache, gone or elsewhere on the next machine.
 */
export function projectSchemaRef(targetDir: string): string {
  for (let dir = path.resolve(targetDir); ; dir = path.dirname(dir)) {
    const installed = path.join(dir, 'node_modules', 'mpy-iot', 'schema', 'project.schema.json');
    if (existsSync(installed)) return toPosix(path.relative(targetDir, installed));
    if (path.dirname(dir) === dir) return `./${INSTALLED_SCHEMA}`;
  }
}

const INSTALLED_SCHEMA = 'node_modules/mpy-iot/schema/project.schema.json';

function toPosix(p: string): string {
  const posix = p.split(path.sep).join('/');
  return posix.startsWith('.') ? posix : `./${posix}`;
}

/**
 * When init kept a package.json already in the folder, what it lacks for the scaffolded test
 * (ESM, a test script running it); null when nothing is missing or there is none.
 */
export function keptPackageJsonGaps(dir: string): string | null {
  let pkg: { type?: unknown; scripts?: { test?: unknown } };
  try {
    pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as typeof pkg;
  } catch {
    return null;
  }
  const gaps: string[] = [];
  if (pkg.type !== 'module') gaps.push('"type": "module" (the test and the library are ES modules)');
  if (typeof pkg.scripts?.test !== 'string') gaps.push('"scripts": {"test": "node --import tsx --test test/*.test.ts"}');
  return gaps.length ? `package.json was kept: for test/telemetry.test.ts it needs ${gaps.join(' and ')}, and \`npm install -D mpy-iot tsx\`` : null;
}
