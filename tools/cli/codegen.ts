import path from 'node:path';
import { loadProject } from '../config/index.ts';
import { VerificationError } from '../errors.ts';
import { defineCommand } from './command.ts';

// The same default as tools/codegen (not imported from there: see run()).
const DEFAULT_OUT = 'src/fleet.gen.ts';

export const codegenCommand = defineCommand<{ out: string | undefined; schema: string | undefined; check: boolean }>({
  command: 'codegen',
  describe: 'Write a typed TypeScript module for the project: payload interfaces, roster, topics, command builders',
  builder: (y) =>
    y
      .option('out', { alias: 'o', type: 'string', requiresArg: true, describe: `Output file, relative to the project folder (default: ${DEFAULT_OUT})` })
      .option('schema', { type: 'string', requiresArg: true, describe: "Payload JSON Schema (default: the project's telemetry.schema.json, else the lab payload)" })
      .option('check', { type: 'boolean', default: false, describe: 'Write nothing; exit 1 when the file is missing or out of date (for CI)' })
      .example('$0 codegen', `Write ${DEFAULT_OUT} next to mpy-iot.json`)
      .example('$0 codegen --check', 'Fail when the committed module no longer matches the project or the schema'),
  async run(args, { io, out }) {
    // ts-morph (with its own TypeScript) takes a while to load: only this command pays for it.
    const { codegenProject, writeGenerated } = await import('../codegen/index.ts');
    const project = loadProject({ project: args.project, cwd: io.cwd, env: io.env });
    out.redactor.absorb(project.redactor);
    const result = codegenProject(project, { ...(args.out ? { out: args.out } : {}), ...(args.schema ? { schema: path.resolve(io.cwd, args.schema) } : {}) });
    const shown = path.relative(io.cwd, result.outFile) || result.outFile;
    if (args.check) {
      if (!result.unchanged) throw new VerificationError(`${shown} is missing or out of date`, { hint: 'run `mpy-iot codegen` and commit the result' });
    } else writeGenerated(result);
    if (out.json) {
      out.document({ ok: true, file: result.outFile, schema: result.schemaPath, changed: !result.unchanged && !args.check, bytes: Buffer.byteLength(result.text) });
      return;
    }
    const verb = args.check ? 'up to date:' : result.unchanged ? 'unchanged:' : 'wrote';
    out.line(`${out.color.green('✓')} ${verb} ${shown} (${project.devices.length} device${project.devices.length === 1 ? '' : 's'}, payload from ${path.relative(io.cwd, result.schemaPath) || result.schemaPath})`);
    if (!args.check) out.line(out.color.dim(`  import { commands, devices, type TelemetryPayload, type DeviceName } from './${path.basename(result.outFile)}'`));
  },
});
