import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { iotCoreFromProject, parseUsersFile, startBroker, type BrokerEvent, type BrokerOptions } from '../broker/index.ts';
import { CERTS_DIR, certPaths } from '../certs/store.ts';
import { readCaFile, readKeyPair } from './tlsOptions.ts';
import { loadProject } from '../config/index.ts';
import { InputError } from '../errors.ts';
import { isLanHost, isLoopbackHost } from '../shared/addresses.ts';
import { parsePort } from '../shared/numbers.ts';
import { defineCommand, jsonlOption } from './command.ts';
import { dashboardPort, openDashboard } from './dashboard.ts';
import { brokerConnection, optionalProject } from './harnessView.ts';
import { untilStopped } from './untilStopped.ts';

interface BrokerArgs {
  port: string;
  host: string;
  'ws-port': string | undefined;
  users: string | undefined;
  'iot-core': boolean;
  'tls-cert': string | undefined;
  'tls-key': string | undefined;
  'tls-ca': string | undefined;
  'tls-port': string;
  dashboard: string | undefined;
  'allow-commands': boolean;
}

export const brokerCommand = defineCommand<BrokerArgs>({
  command: 'broker',
  describe: 'Run the embedded MQTT broker (TCP, WebSocket, users, IoT-Core topic rules, TLS/mTLS)',
  builder: (y) =>
    jsonlOption(y)
      .option('port', { type: 'string', default: '1883', requiresArg: true, describe: 'TCP port (0 = any free port)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on (0.0.0.0 for the classroom network)' })
      .option('ws-port', { type: 'string', requiresArg: true, describe: 'Also accept MQTT over WebSocket on this port (browsers)' })
      .option('users', { type: 'string', requiresArg: true, describe: 'File of username:password lines; anonymous clients are then refused' })
      .option('iot-core', { type: 'boolean', default: false, describe: "Behave like Yandex IoT Core, with the project's devices and registries as identities" })
      .option('tls-cert', { type: 'string', requiresArg: true, describe: 'Server certificate (PEM) for an mqtts:// listener' })
      .option('tls-key', { type: 'string', requiresArg: true, describe: 'Server private key (PEM)' })
      .option('tls-ca', { type: 'string', requiresArg: true, describe: 'CA of the client certificates (mTLS): mqtts:// then refuses a client without a certificate it signed (CONNACK 5). With --iot-core asked for, not required: a device may log in by password, as in the cloud' })
      .option('tls-port', { type: 'string', default: '8883', requiresArg: true, describe: 'Port of the mqtts:// listener' })
      .option('dashboard', { type: 'string', describe: 'Also serve the live web dashboard of the class on this port (default 8080)' })
      .option('allow-commands', { type: 'boolean', default: false, describe: "With --dashboard: let the page's ping, LED and RESULT buttons work" })
      .implies('tls-cert', 'tls-key')
      .implies('tls-key', 'tls-cert')
      .example('$0 broker', 'Plain broker on 127.0.0.1:1883 until Ctrl-C')
      .example('$0 broker --jsonl', 'Connections, refusals and errors as JSON Lines as they happen')
      .example('$0 broker --host 0.0.0.0 --ws-port 9001', 'Reachable by the classroom boards, and by browsers over WebSocket')
      .example('$0 broker --tls-cert s.pem --tls-key s.key --tls-ca ca.pem', 'mTLS on mqtts://127.0.0.1:8883: only clients with a certificate ca.pem signed get in')
      .example('$0 broker --iot-core', "IoT Core rules for the project's devices; mqtts:// on 8883 with certs/broker.pem when `mpy-iot certs init` made it")
      .example('$0 broker --iot-core --tls-cert s.pem --tls-key s.key --tls-ca ca.pem', 'IoT Core rules; devices log in by password or certificate'),
  async run(args, { io, out }) {
    const port = parsePort(args.port, '--port', { allowAny: true });
    const wsPort = args['ws-port'] === undefined ? undefined : parsePort(args['ws-port'], '--ws-port', { allowAny: true });
    const tlsPort = parsePort(args['tls-port'], '--tls-port', { allowAny: true });
    const webPort = dashboardPort(args.dashboard);
    if (args['allow-commands'] && webPort === null) throw new InputError('--allow-commands is for the dashboard\'s buttons', [], { hint: 'add --dashboard [PORT]' });
    const read = (file: string, option: string): Buffer => {
      try {
        return readFileSync(path.resolve(io.cwd, file));
      } catch (cause) {
        throw new InputError(`${option}: cannot read ${file}`, [], { cause });
      }
    };
    const options: BrokerOptions = { host: args.host, port, onEvent: (e) => report(e) };
    if (wsPort !== undefined) options.wsPort = wsPort;
    if (args.users) options.users = parseUsersFile(read(args.users, '--users').toString('utf8'), args.users);
    if (args['tls-cert'] && args['tls-key']) {
      // The same checks as the operator's --cert/--key: PEM or DER, a key that matches, never printed.
      const pair = readKeyPair({ flag: '--tls-cert', file: args['tls-cert'] }, { flag: '--tls-key', file: args['tls-key'] }, io.cwd, out);
      // --tls-ca alone is mTLS (mosquitto's require_certificate): no verified certificate, no login.
      // With --iot-core a device may log in by password instead, as in the cloud: asked, not required.
      const ca = args['tls-ca'] ? { ca: readCaFile('--tls-ca', args['tls-ca'], io.cwd, out), requestClientCert: true, requireClientCert: !args['iot-core'] } : {};
      options.tls = { port: tlsPort, ...pair, ...ca };
    }
    if (args['iot-core']) {
      const project = loadProject({ project: args.project, cwd: io.cwd, env: io.env });
      out.redactor.absorb(project.redactor);
      const certsDir = path.join(project.dir, CERTS_DIR);
      options.iotCore = iotCoreFromProject(project.devices, { certsDir });
      // `mpy-iot certs init` made a CA and a certificate for this computer: IoT Core is mqtts://
      // with client certificates, so use them unless TLS files were given.
      const server = certPaths(certsDir, 'server', 'broker');
      const ca = certPaths(certsDir, 'ca', 'ca').cert;
      if (!options.tls && [server.cert, server.key, ca].every((f) => existsSync(f))) {
        options.tls = { port: tlsPort, cert: readFileSync(server.cert), key: readFileSync(server.key), ca: readFileSync(ca), requestClientCert: true };
        out.note(out.color.dim(`mTLS with ${path.relative(io.cwd, certsDir) || '.'}/broker.pem, clients checked against ca.pem`));
      }
    }
    const c = out.color;
    // For the --json summary: where it listened and what its clients did.
    const seen = { listening: [] as string[], connections: 0, clients: new Set<string>(), refused: 0, errors: 0 };
    const report = (event: BrokerEvent): void => {
      if (event.type === 'listening') seen.listening.push(event.url);
      else if (event.type === 'client-connected') {
        seen.connections++;
        seen.clients.add(event.clientId);
      } else if (event.type === 'refused') seen.refused++;
      else if (event.type === 'client-error') seen.errors++;
      if (out.json) {
        // With --json stdout waits for the summary: where to connect still belongs on the screen.
        if (!out.jsonl && event.type === 'listening') out.note(`listening on ${event.url}`);
        return out.event(event);
      }
      const time = c.dim(new Date().toLocaleTimeString());
      switch (event.type) {
        case 'listening':
          return out.line(`${c.green('✓')} listening on ${event.url}`);
        case 'client-connected':
          return out.line(`${time} ${c.green('+')} ${event.clientId}${event.identity ? ` as ${event.identity.kind} ${event.identity.id}` : ''} from ${event.remote}`);
        case 'client-disconnected':
          return out.line(`${time} ${c.dim('-')} ${event.clientId}`);
        case 'refused':
          return out.line(`${time} ${c.red('✖')} ${event.clientId}: ${event.action}${event.topic ? ` ${event.topic}` : ''} refused — ${event.rule}`);
        case 'client-error':
          return out.line(`${time} ${c.yellow('!')} ${event.clientId}: ${event.message}`);
      }
    };
    // A broker that refuses anonymous clients (IoT Core rules, a users list) would refuse its own
    // page too: the page logs in as an operator account made for this run, unrestricted by the
    // topic rules like every operator, and never shown.
    const pageAccount = webPort !== null && (options.iotCore || options.users?.length) ? { username: `mpy-iot-dashboard-${randomBytes(4).toString('hex')}`, password: randomBytes(24).toString('base64url') } : null;
    if (pageAccount) {
      options.users = [...(options.users ?? []), pageAccount];
      out.redactor.add(pageAccount.password);
    }
    const broker = await startBroker(options);
    const startClassDashboard = (url: string, port: number, allowCommands: boolean): ReturnType<typeof openDashboard> => {
      const project = optionalProject(args.project, io.cwd, io.env, out);
      const connection = brokerConnection({}, project, out, { cwd: io.cwd, fallbackUrl: url });
      if (pageAccount) connection.mqttOptions = { ...connection.mqttOptions, ...pageAccount };
      return openDashboard({ url: connection.url, mqttOptions: connection.mqttOptions, devices: project?.devices ?? [], topics: project ? [] : ['DATA/+'], language: project?.project.grading?.language ?? 'en', port, allowCommands }, out);
    };
    const unreachable = isLoopbackHost(args.host) && args.host !== '0.0.0.0' && args.host !== '::' ? lanBrokerOfProject(args.project, io.cwd, io.env) : null;
    if (unreachable) {
      const { host, port: boardPort } = unreachable;
      out.note(c.yellow(`⚠ listening on ${args.host} only, but the project's boards connect to ${host}:${boardPort}: they cannot reach this broker`));
      out.note(`  ${c.dim('fix:')} mpy-iot broker --host 0.0.0.0${boardPort === 1883 ? '' : ` --port ${boardPort}`}, and let TCP port ${boardPort} through this computer's firewall (e.g. \`sudo ufw allow ${boardPort}/tcp\`)`);
    }
    // The page watches this broker from this computer, whatever address the boards use.
    const dashboard = webPort === null ? null : await startClassDashboard(args.host === '0.0.0.0' || args.host === '::' ? `mqtt://127.0.0.1:${broker.port}` : broker.url, webPort, args['allow-commands']).catch(async (error: unknown) => {
      await broker.close();
      throw error;
    });
    out.note(c.dim(`${args['iot-core'] ? 'IoT Core rules on; ' : ''}Ctrl-C to stop`));
    await untilStopped(io);
    await dashboard?.close();
    await broker.close();
    if (out.json) out.document({ ok: true, listening: seen.listening, connections: seen.connections, clients: [...seen.clients], refused: seen.refused, clientErrors: seen.errors });
    else out.note('broker stopped');
  },
});

/** The project's broker when its host is a LAN address (boards come over Wi-Fi); null without a usable project. */
function lanBrokerOfProject(projectArg: string | undefined, cwd: string, env: NodeJS.ProcessEnv): { host: string; port: number } | null {
  let devices;
  try {
    devices = loadProject({ project: projectArg, cwd, env }).devices;
  } catch {
    return null; // the broker needs no project; `check` reports what is wrong with it
  }
  const device = devices.find((d) => isLanHost(d.mqtt.host));
  return device ? { host: device.mqtt.host, port: device.mqtt.port } : null;
}
