import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ExitCode, InputError } from '../errors.ts';
import { deliveryExit, listensOnResult, publishOnce, resultBody, sendVerdicts } from '../harness/index.ts';
import type { LoadedProject } from '../config/index.ts';
import type { ResolvedDevice } from '../config/types.ts';
import { parseDuration } from '../shared/duration.ts';
import { didYouMean } from '../shared/didYouMean.ts';
import { defineCommand } from './command.ts';
import type { Output } from './io.ts';
import { brokerConnection, brokerOptions, optionalProject, type BrokerArgs } from './harnessView.ts';
import { findDevice } from './unknownDevice.ts';
import { deliveryLines } from './verdictDelivery.ts';

interface ResultArgs extends BrokerArgs {
  group: string | undefined;
  device: string | undefined;
  message: string | undefined;
  file: string | undefined;
  passed: boolean | undefined;
  'any-group': boolean;
  timeout: string;
}

export const resultCommand = defineCommand<ResultArgs>({
  command: 'result',
  describe: 'Tell one team, a group, or everyone a result (only those boards print it): on RESULT, or as a result command to each board that does not listen there (IoT Core)',
  builder: (y) =>
    brokerOptions(y)
      .option('group', { alias: 'g', type: 'string', requiresArg: true, describe: 'Group the result is for (neither --group nor --device: everyone)' })
      .option('device', { alias: 'd', type: 'string', requiresArg: true, describe: "One team: the project device whose board alone prints it" })
      .conflicts('group', 'device')
      .option('any-group', { type: 'boolean', default: false, describe: 'Publish to a --group no project device is in (otherwise refused: a typo would reach no board)' })
      .option('message', { alias: 'm', type: 'string', requiresArg: true, describe: 'Text of the result' })
      .option('file', { type: 'string', requiresArg: true, describe: 'A JSON file with the whole RESULT message (its address is replaced by --group or --device)' })
      .option('passed', { type: 'boolean', describe: 'Mark the result passed or failed' })
      .option('timeout', { type: 'string', default: '5s', requiresArg: true, describe: 'How long each board sent a result command has to answer (boards on RESULT answer nothing)' })
      .conflicts('message', 'file')
      .check((argv) => (argv.message !== undefined || argv.file !== undefined ? true : 'what to publish is missing: give --message TEXT (e.g. -m "Лабораторная зачтена") or --file RESULT.json'))
      .example('$0 result -g БАГ-18-01 -m "Лабораторная зачтена" --passed', 'Tell group БАГ-18-01 it passed')
      .example('$0 result -d team-3 -m "Проверьте тип temperature"', 'A note for one team only')
      .example('$0 result -m "Лабораторная закрыта"', 'A class-wide note: every board prints it')
      .epilog('Format (documented in firmware/README.md): {"group": "<group>", "message": "<text>", "passed": true|false, "grade": …}'),
  async run(a, { io, out }) {
    let message: Record<string, unknown> = { message: a.message ?? '' };
    if (a.file) {
      try {
        message = JSON.parse(readFileSync(path.resolve(io.cwd, a.file), 'utf8')) as Record<string, unknown>;
      } catch (cause) {
        throw new InputError(`--file ${a.file}: not a readable JSON file`, [], { cause });
      }
      if (message === null || typeof message !== 'object' || Array.isArray(message)) throw new InputError(`--file ${a.file}: must hold a JSON object`);
    }
    const project = optionalProject(a.project, io.cwd, io.env, out);
    // A newline or NUL would break the boards' line-based console and the payload (as in the project file).
    // eslint-disable-next-line no-control-regex
    if (a.group !== undefined && /[\u0000-\u001f\u007f]/.test(a.group)) throw new InputError(`--group ${JSON.stringify(a.group)}: must not contain control characters (newline, tab, NUL…)`, [], { hint: 'give the group as the roster writes it, e.g. -g БАГ-18-01' });
    if (a.group !== undefined && !a['any-group']) checkGroup(a.group, project, out);
    const broker = brokerConnection(a, project, out, { cwd: io.cwd });
    let address: { group?: string; device?: string; students?: string[] } = a.group === undefined ? {} : { group: a.group };
    let device: ResolvedDevice | undefined;
    if (a.device !== undefined) {
      if (!project) throw new InputError(`--device ${a.device}: no project here to find it in`, [], { hint: 'run in the project folder, or pass --project' });
      device = findDevice(project, a.device);
      // By name + students + group: the board's MAC is not known here (grade addresses by MAC).
      address = { group: device.telemetry.group, device: device.name, students: device.telemetry.students };
    }
    const timeoutMs = parseDuration(a.timeout, '--timeout');
    const body = a.file
      ? { ...message, ...(a.group === undefined && a.device === undefined ? {} : { group: undefined, device: undefined, students: undefined, mac: undefined }), ...address }
      : resultBody({ group: '', message: String(message.message), ...address, ...(a.passed === undefined ? {} : { passed: a.passed }) });
    const payload = Buffer.from(JSON.stringify(body), 'utf8');
    // Each addressed board hears it where it listens: RESULT, else its own commands topic (IoT Core).
    const addressed = device ? [device] : project ? addressedDevices(project, a) : [];
    const byCommand = addressed.filter((d) => !listensOnResult(d));
    const onResult = !project || addressed.length === 0 || addressed.some(listensOnResult);
    if (onResult) {
      await publishOnce({ url: broker.url, mqttOptions: broker.mqttOptions, topic: 'RESULT', payload });
      if (!out.json) out.line(`${out.color.green('✓')} RESULT → ${payload.toString('utf8')}`);
    }
    const args = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    if (byCommand.length > 0 && !out.json) out.line(`result command → ${byCommand.length === 1 ? byCommand[0]!.name : `${byCommand.length} boards`}: ${payload.toString('utf8')}`);
    const deliveries = await sendVerdicts(byCommand.map((device) => ({ device, verdict: args })), { url: broker.url, mqttOptions: broker.mqttOptions, timeoutMs });
    const code = deliveryExit(deliveries);
    if (out.json) {
      out.document({ ok: code === ExitCode.ok, ...(onResult ? { topic: 'RESULT' } : {}), payload: args, ...(byCommand.length > 0 ? { commands: deliveries } : {}) });
    } else {
      for (const line of deliveryLines(deliveries, out)) out.line(line);
    }
    return code;
  },
});

/** The project's devices a result without --device is for: the group's, or all of them. */
function addressedDevices(project: LoadedProject, a: ResultArgs): ResolvedDevice[] {
  if (a.group !== undefined) return project.devices.filter((d) => d.telemetry.group.trim() === a.group!.trim());
  return project.devices;
}

/** A group nobody on the roster is in would reach no board, and look sent: refuse it, with the likely one. */
function checkGroup(group: string, project: LoadedProject | null, out: Output): void {
  if (!project) {
    out.note(out.color.dim(`no project here: --group ${group} is not checked against a roster`));
    return;
  }
  const groups = [...new Set(project.devices.map((d) => d.telemetry.group).filter(Boolean))];
  if (groups.includes(group)) return;
  const guess = didYouMean(group, groups);
  throw new InputError(`--group ${group}: no device of the project is in this group, so no board would print the result${guess ? ` — did you mean '${guess}'?` : ''}`, [], {
    hint: `${groups.length > 0 ? `groups on the roster: ${groups.join(', ')}` : 'no device of the project has a telemetry.group'}; add --any-group to publish anyway`,
  });
}
