import { loadProject } from '../config/index.ts';
import { buildCommand } from './build.ts';
import { defineCommand, type CommandContext } from './command.ts';
import { deployCommand } from './deploy.ts';
import { monitorCommand } from './monitor.ts';
import { pickDevice } from './serialTarget.ts';

interface RunArgs {
  device: string | undefined;
  port: string;
  baud: number;
  timestamps: boolean;
  log: string | undefined;
}

/** build + deploy + monitor for one device: the edit-and-try loop of a lab session. */
export const runCommand = defineCommand<RunArgs>({
  command: 'run',
  describe: 'Build one device, deploy it to the board on --port, then open the monitor',
  builder: (y) =>
    y
      .option('device', { alias: 'd', type: 'string', requiresArg: true, describe: 'Device to build and deploy (default: the only one)' })
      .option('port', { type: 'string', demandOption: true, requiresArg: true, describe: 'Serial port of the board' })
      .option('baud', { type: 'number', default: 115200, describe: 'Baud rate' })
      .option('timestamps', { type: 'boolean', default: false, describe: 'Timestamps in the monitor' })
      .option('log', { type: 'string', requiresArg: true, describe: 'Monitor log file' })
      .example('$0 run --port /dev/ttyUSB0', 'Build, deploy what changed, and watch the board'),
  async run(args, ctx) {
    const common = { json: args.json, verbose: args.verbose, color: args.color, project: args.project };
    // Which device first: in a class project, "which one?" must come before building all of them.
    const project = loadProject({ project: args.project, cwd: ctx.io.cwd, env: ctx.io.env });
    const device = pickDevice(project, args.device).name;
    // --json: one document with a part per step ({ok, device, build, deploy, monitor}), not three.
    const parts: Record<string, unknown> = { ok: true, device };
    const step = (name: string): CommandContext => ({
      ...ctx,
      out: {
        ...ctx.out,
        document: (value) => {
          parts[name] = value;
          if ((value as { ok?: unknown }).ok === false) parts.ok = false;
          ctx.out.document({ ...parts });
        },
      },
    });
    await buildCommand.run({ ...common, device: [device], mpy: undefined, out: undefined }, step('build'));
    const deployed = await deployCommand.run({ ...common, device, port: args.port, all: undefined, baud: args.baud, force: false }, step('deploy'));
    if (deployed) return deployed;
    return monitorCommand.run({ ...common, port: args.port, baud: args.baud, timestamps: args.timestamps, log: args.log, reset: false }, step('monitor'));
  },
});
