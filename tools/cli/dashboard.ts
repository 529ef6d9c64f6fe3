import { randomBytes } from 'node:crypto';
import type { ResolvedDevice } from '../config/types.ts';
import type { Dashboard } from '../dashboard/server.ts';
import { InputError } from '../errors.ts';
import type { Language, MqttOptions } from '../harness/index.ts';
import { isLoopbackHost, lanAddresses } from '../shared/addresses.ts';
import { parsePort } from '../shared/numbers.ts';
import { defineCommand, jsonlOption } from './command.ts';
import { brokerConnection, optionalProject, payloadSchema } from './harnessView.ts';
import type { Output } from './io.ts';
import { untilStopped } from './untilStopped.ts';
import { harnessOptions, type HarnessArgs } from './watch.ts';

interface DashboardArgs extends HarnessArgs {
  port: string;
  host: string;
  'allow-commands': boolean;
  token: string | undefined;
}

export const DEFAULT_DASHBOARD_PORT = 8080;

/** `--dashboard [PORT]` of demo and broker: a bare flag (yargs gives '') means the default port. */
export function dashboardPort(value: string | undefined): number | null {
  if (value === undefined) return null;
  return value === '' ? DEFAULT_DASHBOARD_PORT : parsePort(value, '--dashboard', { allowAny: true });
}

export interface OpenDashboard {
  url: string;
  mqttOptions?: MqttOptions;
  devices: ResolvedDevice[];
  topics?: string[];
  schemaPath?: string;
  language?: Language;
  host?: string;
  port: number;
  allowCommands: boolean;
  token?: string;
}

/** 0.0.0.0 and :: are every address of this computer, the LAN's included. */
const seenFromLan = (host: string): boolean => !isLoopbackHost(host) || host === '0.0.0.0' || host === '::';

/**
 * The token commands need: the one given, else (commands on, page reachable from the LAN) a fresh
 * random one; none for a page only this computer can open.
 */
export function commandToken(host: string, allowCommands: boolean, given?: string): string | undefined {
  if (given !== undefined) return given;
  return allowCommands && seenFromLan(host) ? randomBytes(12).toString('hex') : undefined;
}

/**
 * Starts the dashboard and says where it is. Commands on a page reachable from the LAN need a
 * token (made up here unless given): the printed URL carries it, anyone else gets 403.
 */
export async function openDashboard(options: OpenDashboard, out: Output): Promise<Dashboard> {
  const host = options.host ?? '127.0.0.1';
  const token = commandToken(host, options.allowCommands, options.token);
  // Loaded when a dashboard is asked for: every other command starts without the web server's modules.
  const { startDashboard } = await import('../dashboard/server.ts');
  const commands = options.allowCommands || token !== undefined;
  const dashboard = await startDashboard({ ...options, host, allowCommands: commands, ...(token ? { token } : {}) });
  const page = token ? `${dashboard.url}#token=${token}` : dashboard.url;
  const mode = commands ? 'buttons on' : 'read-only: --allow-commands turns the buttons on';
  // Where to point the browser belongs on the screen whatever the output mode (stderr).
  out.note(`${out.color.green('✓')} dashboard on ${out.color.bold(page)} (${mode})`);
  out.event({ type: 'dashboard', url: page, commands });
  if (seenFromLan(host)) {
    // 127.0.0.1 in the URL above is no use to the projector's laptop: name the LAN addresses too.
    if (host === '0.0.0.0' || host === '::') {
      for (const address of lanAddresses()) out.note(`  also on ${out.color.bold(page.replace('127.0.0.1', address))}`);
    }
    out.note(out.color.yellow(`⚠ the dashboard listens on ${host}: anyone on this network can open it`));
  }
  return dashboard;
}

export const dashboardCommand = defineCommand<DashboardArgs>({
  command: 'dashboard',
  describe: 'Live web page of the class: every board, temperature charts, grades, ping/LED/RESULT buttons',
  builder: (y) =>
    jsonlOption(harnessOptions(y))
      .option('port', { type: 'string', default: String(DEFAULT_DASHBOARD_PORT), requiresArg: true, describe: 'HTTP port of the page (0 = any free port)' })
      .option('host', { type: 'string', default: '127.0.0.1', requiresArg: true, describe: 'Address to listen on (0.0.0.0: the classroom network can open it)' })
      .option('allow-commands', { type: 'boolean', default: false, describe: 'Let the page send ping, LED and RESULT (off: the page is read-only)' })
      .option('token', { type: 'string', requiresArg: true, describe: 'Commands only with this token (the printed URL carries it); made up when --host is not local' })
      .example('$0 dashboard', "The project's class on http://127.0.0.1:8080/, read-only")
      .example('$0 dashboard --allow-commands', 'With working ping, LED and RESULT buttons')
      .example('$0 dashboard -b mqtt://10.0.0.5:1883 -t "DATA/+" --port 9000', 'Any DATA/ traffic of an external broker, without a project'),
  async run(args, { io, out }) {
    const port = parsePort(args.port, '--port', { allowAny: true });
    if (args.token !== undefined && !/^[\x21-\x7e]{8,}$/.test(args.token)) {
      throw new InputError('--token: use at least 8 printable characters without spaces', [], { hint: 'or leave it out: --allow-commands with --host makes one up' });
    }
    const project = optionalProject(args.project, io.cwd, io.env, out);
    const broker = brokerConnection(args, project, out, { cwd: io.cwd });
    const schemaPath = payloadSchema(args.schema, project, io.cwd);
    const dashboard = await openDashboard({
      url: broker.url,
      mqttOptions: broker.mqttOptions,
      devices: project?.devices ?? [],
      ...(args.topic ? { topics: args.topic } : {}),
      ...(schemaPath ? { schemaPath } : {}),
      language: project?.project.grading?.language ?? 'en',
      host: args.host,
      port,
      allowCommands: args['allow-commands'],
      ...(args.token ? { token: args.token } : {}),
    }, out);
    out.note(out.color.dim(`watching ${broker.shown} — Ctrl-C to stop`));
    await untilStopped(io);
    const { totals } = dashboard.state();
    await dashboard.close();
    out.document({ ok: true, url: dashboard.url, totals });
  },
});
