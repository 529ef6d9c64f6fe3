import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';
import { loadBoards } from '../boards/index.ts';
import { keptPackageJsonGaps, scaffoldLab, unbuiltCheckout } from '../init/scaffold.ts';
import { IOT_CORE_DEVICES, scaffoldIotCore } from '../init/iotCore.ts';
import { defineCommand } from './command.ts';
import type { Output } from './io.ts';

/** Any of these in the folder means a project is already there. */
const PROJECT_FILES = ['mpy-iot.json', 'mpy-iot.yaml', 'mpy-iot.yml'];

export const initCommand = defineCommand<{ dir: string; board: string; force: boolean; template: 'lab' | 'iot-core' }>({
  command: 'init [dir]',
  describe: 'Create a project for the MQTT lab: mpy-iot.json, a telemetry schema, .env.example',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', default: '.', describe: 'Folder to create the project in (created if missing)' })
      .option('board', { type: 'string', default: 'esp32', describe: 'Board of the example device (see `mpy-iot boards`)' })
      .option('template', { type: 'string', choices: ['lab', 'iot-core'], default: 'lab', describe: 'lab: the MQTT lab; iot-core: a Yandex IoT Core registry with two devices on mTLS' })
      .option('force', { type: 'boolean', default: false, describe: 'Overwrite an existing project (mpy-iot.json, .env, schema) with the scaffold' })
      .example('$0 init lab', 'Scaffold the lab in ./lab, then: cd lab && mpy-iot build')
      .example('$0 init fleet --template iot-core', 'A Yandex IoT Core registry, devices with certificates, $devices/{deviceId}/events')
      .example('$0 init --board esp8266', 'Scaffold here for an ESP8266 (no internal sensor: starts with a simulated one)'),
  async run(args, { io, out }) {
    const boards = loadBoards();
    const board = boards.find(args.board);
    if (!board) {
      const guess = boards.suggest(args.board);
      throw new InputError(`unknown board '${args.board}'${guess ? ` — did you mean '${guess}'?` : ''}`, [], { hint: `known boards: ${boards.boards.map((b) => b.id).join(', ')}` });
    }
    const dir = path.resolve(io.cwd, args.dir);
    const iotCore = args.template === 'iot-core';
    const files = iotCore ? scaffoldIotCore(dir) : scaffoldLab({ targetDir: dir, board });
    const existing = files.filter((f) => existsSync(path.join(dir, f.path)));
    // A project file already there is a project: replaced only on --force. Without one, the other
    // files (a .env with this site's secrets, an edited schema) are the user's: kept, and the
    // missing ones are written, so deleting mpy-iot.json and running init again just works.
    const projectFile = PROJECT_FILES.find((name) => existsSync(path.join(dir, name)));
    if (projectFile && !args.force) {
      throw new InputError(`${path.join(dir, projectFile)} already exists`, [], {
        hint: `init does not replace a project; pick another folder, or add --force to overwrite ${existing.map((f) => f.path).join(', ')}`,
      });
    }
    const kept = args.force ? [] : existing;
    const written = files.filter((f) => !kept.includes(f));
    mkdirSync(dir, { recursive: true });
    for (const file of written) {
      mkdirSync(path.dirname(path.join(dir, file.path)), { recursive: true });
      writeFileSync(path.join(dir, file.path), file.contents, { flag: args.force ? 'w' : 'wx' });
    }
    if (out.json) {
      out.document({ ok: true, dir, files: written.map((f) => path.join(dir, f.path)), kept: kept.map((f) => path.join(dir, f.path)) });
      return;
    }
    const c = out.color;
    if (iotCore) return printIotCoreNext(out, path.relative(io.cwd, dir), written.map((f) => f.path), kept.map((f) => f.path));
    out.line(`${c.green('✓')} created the MQTT lab project in ${path.relative(io.cwd, dir) || '.'}/`);
    for (const f of written) out.line(`  ${f.path.padEnd(22)} ${c.dim(f.purpose)}`);
    for (const f of kept) out.line(`  ${f.path.padEnd(22)} ${c.dim('kept as it was (already there)')}`);
    const packageGaps = kept.some((f) => f.path === 'package.json') ? keptPackageJsonGaps(dir) : null;
    if (packageGaps) out.line(c.yellow(`\n  note: ${packageGaps}.`));
    if (board.temperature.source === null) {
      out.line(c.yellow(`\n  note: ${board.id} has no internal temperature sensor, so the project uses "sensor": "simulated"; wire a DHT22 or DS18B20 and set telemetry.sensor and sensorPin for real readings.`));
    }
    // With a package.json of its own the lab is an npm project: mpy-iot runs from its node_modules
    // after `npm install`. Without one (inside a project that has mpy-iot), from the enclosing install.
    const ownPackage = written.some((f) => f.path === 'package.json');
    out.line('\nNext:');
    if (path.relative(io.cwd, dir)) out.line(`  cd ${path.relative(io.cwd, dir)}`);
    if (ownPackage) out.line('  npm install           # mpy-iot and tsx, pinned in this folder');
    out.line('  edit .env (Wi-Fi and broker address) and the students/group in mpy-iot.json');
    out.line('  npx mpy-iot check     # validate the project');
    out.line('  npx mpy-iot build     # render firmware into build/<device>/');
    const unbuilt = unbuiltCheckout();
    if (unbuilt) out.line(`  (cd ${unbuilt} && npm run build)   # once: the test imports mpy-iot's compiled library, not built in this checkout yet`);
    out.line(`  ${ownPackage ? 'npm test' : 'node --import tsx --test test/*.test.ts'}   # test/telemetry.test.ts: virtual boards, every payload against the schema`);
  },
});

function printIotCoreNext(out: Output, rel: string, written: string[], kept: string[]): void {
  const c = out.color;
  out.line(`${c.green('✓')} created a Yandex IoT Core project in ${rel || '.'}/ (registry ${c.bold('reg-1')}, devices ${IOT_CORE_DEVICES.join(', ')})`);
  for (const f of written) out.line(`  ${f}`);
  for (const f of kept) out.line(`  ${f.padEnd(22)} ${c.dim('kept as it was (already there)')}`);
  out.line('\nNext (a rehearsal on this computer, then the cloud):');
  if (rel) out.line(`  cd ${rel}`);
  out.line('  mpy-iot certs init                       # the CA + a certificate for the local broker');
  for (const id of IOT_CORE_DEVICES) out.line(`  mpy-iot certs device ${id}`);
  out.line('  mpy-iot build && mpy-iot broker --iot-core   # then simulate / verify (README "Yandex IoT Core")');
  out.line('  mpy-iot iot-core plan                    # the yc commands for the real cloud');
}
