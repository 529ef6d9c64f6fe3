import path from 'node:path';
import { loadProject } from '../config/index.ts';
import { buildProject } from '../render/build.ts';
import { defineCommand } from './command.ts';
import { formatIssue } from './report.ts';
import { table } from './table.ts';

export const buildCommand = defineCommand<{ device: string[] | undefined; mpy: boolean | undefined; out: string | undefined }>({
  command: 'build',
  describe: 'Render firmware for every device (or one) into build/<device>/ with a manifest',
  builder: (y) =>
    y
      .option('device', { alias: 'd', type: 'string', array: true, describe: 'Build only this device (repeatable)', requiresArg: true })
      .option('mpy', { type: 'boolean', describe: 'Ship the runtime as precompiled .mpy (default: on for ESP8266, off otherwise); --no-mpy for source' })
      .option('out', { alias: 'o', type: 'string', describe: 'Output folder (default: build/ next to the project file)', requiresArg: true })
      .example('$0 build', 'Build every device of ./mpy-iot.json')
      .example('$0 build --device team-3 --mpy', 'Rebuild one device with .mpy runtime modules')
      .example('$0 build --json', 'Manifests of every build as JSON'),
  async run(args, { io, out }) {
    const project = loadProject({ project: args.project, cwd: io.cwd, env: io.env });
    out.redactor.absorb(project.redactor);
    for (const w of project.warnings) for (const line of formatIssue(w, out, io.cwd)) out.note(line);
    const started = performance.now();
    const builds = await buildProject(project, {
      ...(args.out === undefined ? {} : { outDir: path.resolve(io.cwd, args.out) }),
      ...(args.device === undefined ? {} : { devices: args.device }),
      ...(args.mpy === undefined ? {} : { mpy: args.mpy }),
      onDevice: (name, i, total) => {
        if (io.isTTY && !out.json && total > 1) out.note(out.color.dim(`  [${i + 1}/${total}] ${name}`));
      },
    });
    const seconds = (performance.now() - started) / 1000;
    if (out.json) {
      out.document({ ok: true, seconds, builds: builds.map((b) => ({ device: b.device, board: b.board, dir: b.dir, runtimeSourceBytes: b.runtimeSourceBytes, runtimeShippedBytes: b.runtimeShippedBytes, totalBytes: b.totalBytes, manifest: b.manifest })) });
      return;
    }
    const kb = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;
    out.line(
      table(
        ['device', 'board', 'files', 'runtime', 'as shipped', 'total', 'folder'],
        builds.map((b) => [b.device, b.board, String(b.manifest.files.length), kb(b.runtimeSourceBytes), `${kb(b.runtimeShippedBytes)}${b.manifest.mpy ? ' .mpy' : ' .py'}`, kb(b.totalBytes), path.relative(io.cwd, b.dir) || '.']),
        out.color,
        ['left', 'left', 'right', 'right', 'right', 'right', 'left'],
      ),
    );
    out.line(`${out.color.green('✓')} built ${builds.length} device${builds.length > 1 ? 's' : ''} in ${seconds.toFixed(2)} s; every file compiles with mpy-cross`);
  },
});
