import { loadProject } from '../config/index.ts';
import { InputError } from '../errors.ts';
import { ReplClient } from '../repl/client.ts';
import { deploy, type DeployProgress, type DeployResult } from '../repl/deploy.ts';
import type { ExpectedBoard } from '../repl/identity.ts';
import { linkTransport } from '../repl/linkTransport.ts';
import { assertFreshBuild } from '../render/build.ts';
import { listPorts, openSerialLink } from '../serial/index.ts';
import { defineCommand } from './command.ts';
import type { Output } from './io.ts';
import { buildDirOf, pickDevice } from './serialTarget.ts';
import { table } from './table.ts';

interface DeployArgs {
  device: string | undefined;
  port: string | undefined;
  all: boolean | undefined;
  baud: number;
  force: boolean;
}

export const deployCommand = defineCommand<DeployArgs>({
  command: 'deploy',
  describe: "Copy a device's build to a board over the raw REPL (only changed files), then restart it",
  builder: (y) =>
    y
      .option('device', { alias: 'd', type: 'string', requiresArg: true, describe: 'Device whose build to deploy (default: the only one)' })
      .option('port', { type: 'string', requiresArg: true, describe: 'Serial port, e.g. /dev/ttyUSB0 (see `mpy-iot ports`)' })
      .option('all', { type: 'boolean', describe: 'Deploy to every detected board in parallel' })
      .option('baud', { type: 'number', default: 115200, describe: 'REPL baud rate' })
      .option('force', { type: 'boolean', default: false, describe: 'Send every file, even unchanged ones' })
      .conflicts('port', 'all')
      .example('$0 deploy --port /dev/ttyUSB0', 'Sync the build of the only device to that board')
      .example('$0 deploy -d team-3 --port /dev/pts/4', 'To a virtual board exposed by `mpy-iot simulate --pty`')
      .example('$0 deploy --all', 'The same build to every board plugged in'),
  async run(args, { io, out }) {
    const project = loadProject({ project: args.project, cwd: io.cwd, env: io.env });
    out.redactor.absorb(project.redactor);
    const device = pickDevice(project, args.device);
    const buildDir = buildDirOf(project, device);
    assertFreshBuild(device, buildDir);
    const ports = args.all ? (await listPorts(io.serialBinding)).filter((p) => p.adapter).map((p) => p.path) : args.port ? [args.port] : [];
    if (ports.length === 0) throw new InputError(args.all ? 'no boards detected' : 'which port?', [], { hint: args.all ? 'see `mpy-iot ports`' : 'pass --port PATH (see `mpy-iot ports`)' });
    const expect = { device: device.name, family: device.board.family, chip: device.board.chip, mac: device.identity.mac };
    const results = await Promise.allSettled(ports.map((port) => deployTo(port, buildDir, args, expect, io.serialBinding, ports.length === 1 ? progressBar(out, io.isTTY) : undefined)));
    const rows = results.map((r, i) => ({ port: ports[i]!, ...(r.status === 'fulfilled' ? { result: r.value } : { error: (r.reason as Error).message }) }));
    if (out.json) out.document({ ok: rows.every((r) => 'result' in r), device: device.name, ports: rows });
    else {
      out.line(
        table(
          ['port', 'result', 'sent', 'skipped', 'removed', 'bytes on wire', 'time'],
          rows.map((r) => ('result' in r && r.result
            ? [r.port, out.color.green('ok'), String(r.result.uploaded.length), String(r.result.skipped.length), String(r.result.removed.length), `${r.result.wireBytes} (${r.result.encoding})`, `${r.result.seconds.toFixed(1)} s`]
            : [r.port, out.color.red('failed'), '', '', '', '', ('error' in r && r.error) || ''])),
          out.color,
        ),
      );
    }
    const failed = rows.filter((r) => 'error' in r);
    if (failed.length === 1 && rows.length === 1) throw (results[0] as PromiseRejectedResult).reason;
    return failed.length > 0 ? 3 : 0;
  },
});

async function deployTo(port: string, buildDir: string, args: DeployArgs, expect: ExpectedBoard, binding: Parameters<typeof openSerialLink>[1]['binding'], onProgress?: (p: DeployProgress) => void): Promise<DeployResult> {
  const link = await openSerialLink(port, { baudRate: args.baud, ...(binding ? { binding } : {}) });
  const repl = new ReplClient(linkTransport(link));
  try {
    const result = await deploy(repl, buildDir, { force: args.force, expect, ...(onProgress ? { onProgress } : {}) });
    await repl.restartProgram();
    return result;
  } finally {
    repl.close();
    await link.close();
  }
}

function progressBar(out: Output, tty: boolean): ((p: DeployProgress) => void) | undefined {
  if (out.json || !tty) return undefined;
  const started = performance.now();
  return (p) => {
    const share = p.totalBytes ? p.sentBytes / p.totalBytes : 1;
    const rate = p.sentBytes / Math.max(0.001, (performance.now() - started) / 1000);
    const bar = '█'.repeat(Math.round(share * 24)).padEnd(24, '░');
    out.note(`\x1b[1A\x1b[2K${bar} ${(share * 100).toFixed(0).padStart(3)}%  ${(rate / 1024).toFixed(1)} KB/s  ${p.file}`);
  };
}
