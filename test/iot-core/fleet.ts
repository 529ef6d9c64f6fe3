// An `init --template iot-core` project with its certificates made by `mpy-iot certs`, built, plus
// the wrong certificates a user can end up with (another CA's, an expired one, another device's),
// each in a copy of dev-1's build so a virtual board can present it.
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { issueClient } from '../../tools/certs/index.ts';
import { loadProject, type LoadedProject } from '../../tools/config/index.ts';
import { buildProject } from '../../tools/render/build.ts';
import { startVirtualBoard, type VirtualBoard } from '../../tools/sim/board.ts';
import { runCli, tempDir } from '../helpers/cli.ts';

export interface IotCoreFleet {
  dir: string;
  project: LoadedProject;
  certsDir: string;
  /** Build folders: dev-1, dev-2, and dev-1 holding a wrong certificate. */
  builds: Record<'dev-1' | 'dev-2' | 'wrong-ca' | 'expired' | 'other-device', string>;
}

async function cli(args: string[], cwd: string): Promise<void> {
  const run = await runCli(args, { cwd });
  assert.equal(run.code, 0, `mpy-iot ${args.join(' ')}: ${run.stderr}`);
}

export async function makeIotCoreFleet(options: { intervalSeconds?: number } = {}): Promise<IotCoreFleet> {
  const root = tempDir();
  const dir = path.join(root, 'fleet');
  await cli(['init', 'fleet', '--template', 'iot-core'], root);
  for (const args of [['certs', 'init'], ['certs', 'device', 'dev-1'], ['certs', 'device', 'dev-2']]) await cli(args, dir);
  if (options.intervalSeconds !== undefined) {
    const file = path.join(dir, 'mpy-iot.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as { defaults: { telemetry: { intervalSeconds: number } } };
    json.defaults.telemetry.intervalSeconds = options.intervalSeconds;
    writeFileSync(file, JSON.stringify(json, null, 2));
  }
  const project = loadProject({ project: dir, env: {} });
  await buildProject(project);
  const certsDir = path.join(dir, 'certs');
  const build = (name: string): string => path.join(dir, 'build', name);

  // Another CA's certificate that claims to be dev-1.
  const other = tempDir();
  await cli(['certs', 'init'], other);
  await issueClient(path.join(other, 'certs'), 'device', 'dev-1');
  // Our CA, dev-1's name, but expired last year.
  const stale = tempDir();
  cpSync(certsDir, path.join(stale, 'certs'), { recursive: true });
  await issueClient(path.join(stale, 'certs'), 'device', 'dev-1', { force: true, validity: { notBefore: new Date(Date.now() - 400 * 86_400_000), days: 30 } });

  // As if the board had been flashed by hand with other files: the manifest follows the files.
  const variant = (name: string, cert: string, key: string): string => {
    const target = path.join(root, 'variants', name);
    cpSync(build('dev-1'), target, { recursive: true });
    const manifestFile = path.join(target, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { files: { path: string; sha256: string; size: number }[] };
    for (const [file, from] of [['certs/cert.pem', cert], ['certs/key.pem', key]] as const) {
      const data = readFileSync(from);
      writeFileSync(path.join(target, file), data);
      Object.assign(manifest.files.find((f) => f.path === file)!, { sha256: createHash('sha256').update(data).digest('hex'), size: data.length });
    }
    writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
    return target;
  };
  return {
    dir,
    project,
    certsDir,
    builds: {
      'dev-1': build('dev-1'),
      'dev-2': build('dev-2'),
      'wrong-ca': variant('wrong-ca', path.join(other, 'certs/devices/dev-1.pem'), path.join(other, 'certs/devices/dev-1.key')),
      expired: variant('expired', path.join(stale, 'certs/devices/dev-1.pem'), path.join(stale, 'certs/devices/dev-1.key')),
      'other-device': variant('other-device', path.join(certsDir, 'devices/dev-2.pem'), path.join(certsDir, 'devices/dev-2.key')),
    },
  };
}

/** A virtual board whose mqtts://127.0.0.1:8883 reaches `tlsPort` (the TLS server name stays 127.0.0.1). */
export function bootOn(buildDir: string, tlsPort: number, name?: string): Promise<VirtualBoard> {
  return startVirtualBoard(buildDir, {
    ...(name ? { name } : {}),
    accessPoint: { ssid: 'lab-wifi', password: 'change-me-please' },
    connectTarget: (host, port) => (port === 8883 ? { host: '127.0.0.1', port: tlsPort } : { host, port }),
  });
}

/** `verify --json` judged both boards passed, each on its own `$devices/<id>/events` only. */
export function assertBothBoardsVerified(run: { code: number | null; stdout: string; stderr: string; json<T>(): T }): void {
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const report = run.json<{ devices: { device: string; passed: boolean; stats: { valid: number; topics: string[] } }[] }>();
  for (const id of ['dev-1', 'dev-2']) {
    const row = report.devices.find((d) => d.device === id);
    assert.ok(row?.passed && row.stats.valid >= 1, `${id}: ${JSON.stringify(row)}`);
    assert.deepEqual(row.stats.topics, [`$devices/${id}/events`]);
  }
}
