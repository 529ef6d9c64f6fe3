import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadProject } from '../config/index.ts';
import { demoProject } from '../init/demo.ts';
import { buildProject } from '../render/build.ts';
import { defineCommand } from './command.ts';
import { table } from './table.ts';

export const demoCommand = defineCommand<{ keep: boolean }>({
  command: 'demo',
  describe: 'Run the whole pipeline on an example class of 3 boards, with nothing to set up',
  builder: (y) =>
    y
      .option('keep', { type: 'boolean', default: false, describe: 'Keep the temporary project and build folder and print where it is' })
      .example('$0 demo', 'Example project → check → build for ESP32, ESP8266 and a second group'),
  async run(args, { io, out }) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mpy-iot-demo-'));
    try {
      writeFileSync(path.join(dir, 'mpy-iot.json'), JSON.stringify(demoProject(), null, 2));
      const project = loadProject({ project: dir, cwd: io.cwd, env: {} });
      out.redactor.absorb(project.redactor);
      const builds = await buildProject(project);
      const summary = builds.map((b) => ({ device: b.device, board: b.board, files: b.manifest.files.length, bytes: b.totalBytes, mpy: b.manifest.mpy }));
      if (out.json) {
        out.document({ ok: true, dir: args.keep ? dir : null, devices: summary });
        return;
      }
      const c = out.color;
      out.line(`${c.green('✓')} example class checked and built (${builds.length} boards):`);
      out.line(table(['device', 'board', 'files', 'bytes', 'runtime'], summary.map((s) => [s.device, s.board, String(s.files), String(s.bytes), s.mpy ? '.mpy' : '.py']), c));
      out.line(c.dim('\nNext in this pipeline: embedded broker, virtual boards and payload verification (see README).'));
      if (args.keep) out.line(`project and build kept in ${dir}`);
    } finally {
      if (!args.keep) rmSync(dir, { recursive: true, force: true });
    }
  },
});
