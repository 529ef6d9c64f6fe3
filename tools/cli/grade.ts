import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ExitCode, InputError } from '../errors.ts';
import { parseCount } from '../shared/numbers.ts';
import { deliverVerdicts, deliveryExit, gradesCsv, gradeTeams, gradingPlan, routeVerdicts, verify, type ClassGrades, type VerdictDelivery } from '../harness/index.ts';
import { loadProject } from '../config/index.ts';
import { formatDuration, parseDuration } from '../shared/duration.ts';
import { defineCommand } from './command.ts';
import { brokerConnection, brokerOptions, collisionLines, payloadSchema, snapshotTable, type BrokerArgs } from './harnessView.ts';
import { isoTimestamps, type Output } from './io.ts';
import { table } from './table.ts';
import { deliveryLines } from './verdictDelivery.ts';

interface GradeArgs extends BrokerArgs {
  duration: string | undefined;
  'min-messages': string | undefined;
  'max-invalid': string;
  'passed-message': string | undefined;
  'failed-message': string | undefined;
  'dry-run': boolean;
  report: string[] | undefined;
  schema: string | undefined;
  timeout: string;
}

export const gradeCommand = defineCommand<GradeArgs>({
  command: 'grade',
  describe: 'Verify every team of the class, then tell each board its own verdict (on RESULT, or as a result command where the board does not listen there: IoT Core)',
  builder: (y) =>
    brokerOptions(y)
      .option('duration', { type: 'string', requiresArg: true, describe: 'How long to listen (default: 3 intervals of the slowest board + slack)' })
      .option('min-messages', { type: 'string', requiresArg: true, describe: 'Valid payloads a board needs (default: 3, fewer when its interval leaves less room)' })
      .option('max-invalid', { type: 'string', default: '0', describe: 'Invalid payloads allowed per board' })
      .option('passed-message', { type: 'string', requiresArg: true, describe: 'RESULT text for a passing team (default: in grading.language)' })
      .option('failed-message', { type: 'string', requiresArg: true, describe: 'RESULT text prefix for a failing team (the first reason follows)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Print the grades without publishing them' })
      .option('report', { type: 'string', array: true, requiresArg: true, describe: 'Write the class for the gradebook: *.csv or *.json (repeatable)' })
      .option('schema', { type: 'string', requiresArg: true, describe: "JSON Schema for payloads (default: the project's telemetry.schema.json)" })
      .option('timeout', { type: 'string', default: '5s', requiresArg: true, describe: 'How long each board sent its verdict as a result command has to answer' })
      .example('$0 grade', 'Listen, grade every team, tell each board; exit 1 when a team failed')
      .example('$0 grade --report grades.csv --dry-run', 'Grades into a spreadsheet, nothing published'),
  async run(a, { io, out }) {
    const durationMs = a.duration === undefined ? undefined : parseDuration(a.duration, '--duration');
    for (const file of a.report ?? []) {
      if (!/\.(csv|json)$/i.test(file)) throw new InputError(`--report ${file}: the name must end in .csv or .json`);
    }
    const minMessages = a['min-messages'] === undefined ? undefined : parseCount(a['min-messages'], '--min-messages');
    const maxInvalid = parseCount(a['max-invalid'], '--max-invalid', 0);
    const timeoutMs = parseDuration(a.timeout, '--timeout');
    const project = loadProject({ project: a.project, cwd: io.cwd, env: io.env });
    out.redactor.absorb(project.redactor);
    const broker = brokerConnection(a, project, out, { cwd: io.cwd });
    const plan = gradingPlan(project.devices, { ...(durationMs === undefined ? {} : { durationMs }), ...(minMessages === undefined ? {} : { minMessages }) });
    const schemaPath = payloadSchema(a.schema, project, io.cwd);
    out.note(out.color.dim(`listening to the class on ${broker.shown} for ${formatDuration(plan.durationMs)}…`));
    const { snapshot } = await verify({ url: broker.url, mqttOptions: broker.mqttOptions, durationMs: plan.durationMs, devices: project.devices, ...(schemaPath ? { schemaPath } : {}) });
    const grades = gradeTeams(snapshot, project.devices, {
      language: project.project.grading?.language ?? 'en',
      minMessages: plan.minMessages,
      maxInvalid,
      ...(a['passed-message'] ? { passedMessage: a['passed-message'] } : {}),
      ...(a['failed-message'] ? { failedMessage: a['failed-message'] } : {}),
    });
    // Each board hears its verdict where it listens: RESULT (the lab), else its commands topic (IoT Core).
    const { onResult, byCommand } = routeVerdicts(grades.teams, project.devices);
    const deliveries: VerdictDelivery[] = a['dry-run'] ? [] : await deliverVerdicts({ onResult, byCommand }, { url: broker.url, mqttOptions: broker.mqttOptions, timeoutMs });
    for (const file of a.report ?? []) {
      const target = path.resolve(io.cwd, file);
      writeFileSync(target, file.toLowerCase().endsWith('.csv') ? gradesCsv(grades) : JSON.stringify(isoTimestamps({ ...grades, at: snapshot.at, durationMs: plan.durationMs }), null, 2) + '\n');
    }
    const delivered = deliveryExit(deliveries);
    if (out.json) out.document({ ok: grades.passed && delivered === ExitCode.ok, published: !a['dry-run'], ...grades, ...(deliveries.length > 0 ? { commands: deliveries } : {}), snapshot });
    else {
      printGrades(grades, a['dry-run'] ? null : { onResult: onResult.length, byCommand: byCommand.length }, out, snapshotTable(snapshot, out));
      for (const line of deliveryLines(deliveries, out)) out.line(line);
      const collisions = collisionLines(snapshot, out);
      if (collisions) out.line(collisions);
    }
    // A board that never answered its verdict is a device error (3) over the grades' 0/1: the
    // grades are printed and written either way, but that team has not been told.
    if (delivered === ExitCode.deviceError) return delivered;
    return grades.passed ? ExitCode.ok : ExitCode.verificationFailed;
  },
});

function printGrades(grades: ClassGrades, sent: { onResult: number; byCommand: number } | null, out: Output, details: string): void {
  const c = out.color;
  if (out.verbose) out.line(details + '\n');
  const rows = grades.teams.map((t) => [
    t.students.join(', ') || '—', t.group || '—', `${t.device} (${t.mac ?? '—'})`,
    t.passed ? c.green('passed') : c.red('failed'), t.reasons[0] ?? `${t.valid} valid`,
  ]);
  for (const f of grades.foreign) rows.push([(f.students ?? []).join(', ') || '—', f.group ?? '—', f.key, c.yellow('ignored'), f.why]);
  out.line(table(['students', 'group', 'board', 'verdict', 'first reason'], rows, c));
  const failed = grades.teams.filter((t) => !t.passed).length;
  out.line(failed === 0 ? c.green(`✓ all ${grades.teams.length} teams passed`) : c.red(`✖ ${failed} of ${grades.teams.length} teams failed`));
  if (grades.foreign.length > 0) out.line(c.yellow(`${grades.foreign.length} board${grades.foreign.length > 1 ? 's' : ''} not in this class: not graded`));
  const verdicts = (n: number): string => `${n} verdict${n === 1 ? '' : 's'}`;
  if (!sent) out.line(c.dim('dry run: nothing published'));
  else {
    if (sent.onResult > 0) out.line(`${c.green('✓')} published ${verdicts(sent.onResult)} to RESULT, each addressed to its board`);
    if (sent.byCommand > 0) out.line(`sent ${verdicts(sent.byCommand)} as a result command, each to its board's $devices/<id>/commands:`);
  }
}
