import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';
import { loadBoards } from '../boards/index.ts';
import { scaffoldLab } from '../init/scaffold.ts';
import { defineCommand } from './command.ts';

export const initCommand = defineCommand<{ dir: string; board: string }>({
  command: 'init [dir]',
  describe: 'Create a project for the MQTT lab: mpy-iot.json, a telemetry schema, .env.example',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', default: '.', describe: 'Folder to create the project in (created if missing)' })
      .option('board', { type: 'string', default: 'esp32', describe: 'Board of the example device (see `mpy-iot boards`)' })
      .example('$0 init lab', 'Scaffold the lab in ./lab, then: cd lab && mpy-iot build')
      .example('$0 init --board esp8266', 'Scaffold here for an ESP8266 (no internal sensor: starts with a simulated one)'),
  async run(args, { io, out }) {
    const boards = loadBoards();
    const board = boards.find(args.board);
    if (!board) {
      const guess = boards.suggest(args.board);
      throw new InputError(`unknown board '${args.board}'${guess ? ` — did you mean '${guess}'?` : ''}`, [], { hint: `known boards: ${boards.boards.map((b) => b.id).join(', ')}` });
    }
    const dir = path.resolve(io.cwd, args.dir);
    const files = scaffoldLab({ targetDir: dir, board });
    const existing = files.filter((f) => existsSync(path.join(dir, f.path)));
    if (existing.length > 0) {
      throw new InputError(`refusing to overwrite ${existing.map((f) => f.path).join(', ')} in ${dir}`, [], {
        hint: 'init never replaces files; pick an empty folder or move these away first',
      });
    }
    mkdirSync(dir, { recursive: true });
    for (const file of files) writeFileSync(path.join(dir, file.path), file.contents, { flag: 'wx' });
    if (out.json) {
      out.document({ ok: true, dir, files: files.map((f) => path.join(dir, f.path)) });
      return;
    }
    const c = out.color;
    out.line(`${c.green('✓')} created the MQTT lab project in ${path.relative(io.cwd, dir) || '.'}/`);
    for (const f of files) out.line(`  ${f.path.padEnd(22)} ${c.dim(f.purpose)}`);
    if (board.temperature.source === null) {
      out.line(c.yellow(`\n  note: ${board.id} has no internal temperature sensor, so the project uses "sensor": "simulated"; wire a DHT22 or DS18B20 and set telemetry.sensor and sensorPin for real readings.`));
    }
    out.line('\nNext:');
    if (path.relative(io.cwd, dir)) out.line(`  cd ${path.relative(io.cwd, dir)}`);
    out.line('  edit .env (Wi-Fi and broker address) and the students/group in mpy-iot.json');
    out.line('  mpy-iot check     # validate the project');
    out.line('  mpy-iot build     # render firmware into build/<device>/');
  },
});
