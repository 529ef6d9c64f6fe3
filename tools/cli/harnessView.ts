// Shared by watch/verify/grade/demo: which broker to use (and as whom), which payload schema, and
// the per-device table.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadProject, type LoadedProject } from '../config/index.ts';
import { InputError } from '../errors.ts';
import { checkBrokerUrl } from '../shared/brokerUrl.ts';
import { collisionReason, deviceLabel, gradingText, safeUrl, type DeviceStats, type MqttOptions, type Snapshot, type Verdict } from '../harness/index.ts';
import type { Output } from './io.ts';
import { table } from './table.ts';
import { readTlsFiles, tlsOptions, type TlsArgs } from './tlsOptions.ts';

/** The project when there is one (watch/verify also work on bare --topic and --broker). */
export function optionalProject(projectArg: string | undefined, cwd: string, env: NodeJS.ProcessEnv, out: Output): LoadedProject | null {
  try {
    const project = loadProject({ project: projectArg, cwd, env });
    out.redactor.absorb(project.redactor);
    return project;
  } catch (error) {
    if (projectArg === undefined && error instanceof InputError && /no project file/.test(error.message)) return null;
    throw error;
  }
}

/** --broker, else the project's broker (every device must use the same one). */
export function brokerUrl(explicit: string | undefined, project: LoadedProject | null): string {
  if (explicit) return explicit;
  const urls = [...new Set(project?.devices.map((d) => d.mqtt.url) ?? [])];
  if (urls.length === 1) return urls[0]!;
  if (urls.length === 0) throw new InputError('which broker? no project file here', [], { hint: 'pass --broker mqtt://host:1883, or run in a project folder' });
  throw new InputError(`the project's devices use ${urls.length} brokers (${urls.join(', ')})`, [], { hint: 'pass --broker to pick one' });
}

export interface BrokerArgs extends TlsArgs {
  broker?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
}

export interface BrokerConnection {
  url: string;
  /** The URL with any password hidden: the only form that is printed. */
  shown: string;
  mqttOptions: MqttOptions;
}

/**
 * -b/-u/-P and --cafile/--cert/--key as mosquitto_sub takes them; -u/-P default to the URL's, then to
 * the project's credentials. TLS files never come from the project by themselves: a CA given to
 * mqtt.js replaces the system's, which would break a broker with a public certificate.
 */
export const brokerOptions = (y: import('yargs').Argv): import('yargs').Argv =>
  tlsOptions(
    y
      .option('broker', { alias: 'b', type: 'string', requiresArg: true, describe: "Broker URL (default: the project's)" })
      .option('username', { alias: 'u', type: 'string', requiresArg: true, describe: "MQTT user name (default: the project's mqtt.username; none with --cert)" })
      .option('password', { alias: 'P', type: 'string', requiresArg: true, describe: "MQTT password (default: the project's mqtt.password, none with --cert; never printed)" }),
  );

/**
 * Where and as whom teacher commands connect; every credential is handed to the output redactor.
 * `cwd`: where --cafile/--cert/--key paths start; `fallbackUrl`: the broker when there is no -b.
 */
export function brokerConnection(args: BrokerArgs, project: LoadedProject | null, out: Output, where: { cwd: string; fallbackUrl?: string | undefined }): BrokerConnection {
  const url = brokerUrl(args.broker !== undefined ? checkBrokerUrl(args.broker, '--broker') : where.fallbackUrl, project);
  let inUrl = { username: '', password: '' };
  try {
    const u = new URL(url);
    inUrl = { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
  } catch {
    // Not a URL mqtt.js understands either: it reports that itself, through safeUrl.
  }
  // With a client certificate the certificate is who logs in: a device's name and password from the
  // project would make the operator that device (IoT Core takes either), so only -u/-P or the URL's.
  const fromProject = args.cert === undefined ? project?.devices.find((d) => d.mqtt.username !== null) : undefined;
  const username = args.username ?? (inUrl.username || fromProject?.mqtt.username || undefined);
  const password = args.password ?? (inUrl.password || (username === fromProject?.mqtt.username ? fromProject?.mqtt.password : undefined) || undefined);
  out.redactor.add(inUrl.password);
  out.redactor.add(password);
  const mqttOptions: MqttOptions = {};
  if (username !== undefined) mqttOptions.username = username;
  if (password !== undefined) mqttOptions.password = password;
  Object.assign(mqttOptions, readTlsFiles(args, url, where.cwd, out));
  return { url, shown: safeUrl(url), mqttOptions };
}

/** The schema `init` writes next to the project file: what "every payload is verified against" means. */
export const PROJECT_SCHEMA_FILE = 'telemetry.schema.json';

/** --schema, else the project's telemetry.schema.json, else undefined (the built-in lab schema). */
export function payloadSchema(explicit: string | undefined, project: LoadedProject | null, cwd: string): string | undefined {
  if (explicit) return path.resolve(cwd, explicit);
  const beside = project ? path.join(project.dir, PROJECT_SCHEMA_FILE) : null;
  return beside && existsSync(beside) ? beside : undefined;
}

const ago = (at: number | null, now: number): string => (at === null ? '—' : `${((now - at) / 1000).toFixed(1)} s ago`);

const clip = (text: string, n: number): string => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

/**
 * One line per board, the same width for 3 boards or 40 (no topic lists): verdict mark, board,
 * students, presence, counts, last temperature, interval, last seen, and the first problem.
 */
export function snapshotTable(snapshot: Snapshot, out: Output, verdict?: Verdict): string {
  const c = out.color;
  const now = snapshot.at;
  const passedByKey = new Map(verdict?.devices.map((d) => [d.key, d.passed]));
  const row = (d: DeviceStats): string[] => [
    d.foreign !== null ? c.yellow('–') : passedByKey.has(d.key) ? (passedByKey.get(d.key) ? c.green('✓') : c.red('✖')) : ' ',
    deviceLabel(d),
    clip(d.students?.join(', ') ?? '—', 28),
    d.status === 'online' ? c.green('online') : d.status === 'offline' ? c.red('offline') : c.dim('?'),
    String(d.messages),
    d.invalid === 0 ? '0' : c.red(String(d.invalid)),
    d.temperature === null ? '—' : d.temperature.toFixed(1),
    d.interval.meanMs === null ? '—' : `${(d.interval.meanMs / 1000).toFixed(1)} s`,
    ago(d.lastSeen, now),
    d.foreign !== null ? c.yellow(clip(d.foreign, 70)) : problem(d),
  ];
  const problem = (d: DeviceStats): string => {
    if (d.firstError) return c.red(clip(d.firstError.reason, 60));
    if (d.mismatch) return c.red(clip(gradingText('en').mismatch(d.mismatch), 70));
    if (d.messages === 0) return 'no telemetry yet';
    if (d.seq && d.seq.resets > 0) return c.yellow(`rebooted ${d.seq.resets}×`);
    return d.seq && d.seq.missing > 0 ? `${d.seq.missing} lost` : '';
  };
  const rows = snapshot.devices.filter((d) => d.messages > 0 || d.status !== 'unknown').map(row);
  for (const m of snapshot.missing) rows.push([passedByKey.size ? c.red('✖') : ' ', m.device, clip(m.students.join(', ') || '—', 28), c.dim('silent'), '0', '0', '—', '—', '—', 'nothing received']);
  return table(['', 'board', 'students', 'status', 'msgs', 'invalid', '°C', 'interval', 'last seen', 'problem'], rows, c, ['left', 'left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'left']);
}

/** Client ids shared by several boards, one warning line each ('' when none). */
export function collisionLines(snapshot: Snapshot, out: Output): string {
  return snapshot.collisions.map((c) => out.color.red(`⚠ ${collisionReason(c)}`)).join('\n');
}

/** What the marks and words of the table mean (printed under the live table). */
export function tableLegend(out: Output): string {
  const c = out.color;
  return c.dim(`${c.green('✓')} healthy  ${c.red('✖')} failing  – not in this class (not counted)  ? presence unknown (no birth seen)  silent: on the roster, nothing heard`);
}

export function printVerdict(verdict: Verdict, out: Output): void {
  const c = out.color;
  const foreign = verdict.devices.filter((d) => d.foreign !== undefined).length;
  if (verdict.passed) out.line(c.green(`✓ passed: ${verdict.devices.filter((d) => d.passed).length} device(s) healthy`));
  else {
    out.line(c.red(`✖ failed (${verdict.reasons.length} reason${verdict.reasons.length > 1 ? 's' : ''}):`));
    for (const reason of verdict.reasons) out.line(`  - ${reason}`);
  }
  if (foreign > 0) out.line(c.yellow(`${foreign} board${foreign > 1 ? 's' : ''} not in this class (ignored: not counted, not graded)`));
}
