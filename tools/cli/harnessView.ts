// Shared by watch/verify/grade/demo: which broker to use, and the per-device table.
import { loadProject, type LoadedProject } from '../config/index.ts';
import { InputError } from '../errors.ts';
import { deviceLabel, type DeviceStats, type Snapshot, type Verdict } from '../harness/index.ts';
import type { Output } from './io.ts';
import { table } from './table.ts';

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

const ago = (at: number | null, now: number): string => (at === null ? '—' : `${((now - at) / 1000).toFixed(1)} s ago`);

export function snapshotTable(snapshot: Snapshot, out: Output, verdict?: Verdict): string {
  const c = out.color;
  const now = snapshot.at;
  const passedByKey = new Map(verdict?.devices.map((d) => [d.key, d.passed]));
  const row = (d: DeviceStats): string[] => [
    passedByKey.has(d.key) ? (passedByKey.get(d.key) ? c.green('✓') : c.red('✖')) : ' ',
    deviceLabel(d),
    d.status === 'online' ? c.green('online') : d.status === 'offline' ? c.red('offline') : c.dim('?'),
    String(d.messages),
    d.invalid === 0 ? '0' : c.red(String(d.invalid)),
    d.interval.meanMs === null ? '—' : `${(d.interval.meanMs / 1000).toFixed(2)} s ±${Math.round(d.interval.jitterMs ?? 0)} ms`,
    d.seq === null ? '—' : `${d.seq.missing} lost, ${d.seq.duplicates} dup`,
    ago(d.lastSeen, now),
    d.firstError ? c.red(d.firstError.reason.slice(0, 60)) : '',
  ];
  const rows = snapshot.devices.filter((d) => d.messages > 0 || d.status !== 'unknown').map(row);
  for (const m of snapshot.missing) rows.push([passedByKey.size ? c.red('✖') : ' ', m.device, c.dim('silent'), '0', '0', '—', '—', '—', '']);
  return table(['', 'device', 'status', 'msgs', 'invalid', 'interval', 'seq', 'last seen', 'first error'], rows, c, ['left', 'left', 'left', 'right', 'right', 'right', 'left', 'right', 'left']);
}

export function printVerdict(verdict: Verdict, out: Output): void {
  const c = out.color;
  if (verdict.passed) out.line(c.green(`✓ passed: ${verdict.devices.filter((d) => d.passed).length} device(s) healthy`));
  else {
    out.line(c.red(`✖ failed (${verdict.reasons.length} reason${verdict.reasons.length > 1 ? 's' : ''}):`));
    for (const reason of verdict.reasons) out.line(`  - ${reason}`);
  }
}
