import { gradeGroups, publishOnce, resultPayload, verify } from '../harness/index.ts';
import { loadProject } from '../config/index.ts';
import { parseDuration } from '../shared/duration.ts';
import { defineCommand } from './command.ts';
import { brokerUrl, snapshotTable } from './harnessView.ts';
import { table } from './table.ts';

interface GradeArgs {
  duration: string;
  'min-messages': number;
  'passed-message': string | undefined;
  'failed-message': string | undefined;
  'dry-run': boolean;
  broker: string | undefined;
}

export const gradeCommand = defineCommand<GradeArgs>({
  command: 'grade',
  describe: "Verify every device of the class, then publish each group's verdict to RESULT",
  builder: (y) =>
    y
      .option('duration', { type: 'string', default: '30s', describe: 'How long to listen before grading' })
      .option('min-messages', { type: 'number', default: 3, describe: 'Valid payloads a device needs to pass' })
      .option('passed-message', { type: 'string', requiresArg: true, describe: 'RESULT text for a passing group (e.g. "Зачтено")' })
      .option('failed-message', { type: 'string', requiresArg: true, describe: 'RESULT text prefix for a failing group (the first reason follows)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Print the grades without publishing them' })
      .option('broker', { alias: 'b', type: 'string', requiresArg: true, describe: "Broker URL (default: the project's)" })
      .example('$0 grade --duration 60s --passed-message "Зачтено"', 'Grade the class after a minute and tell every group'),
  async run(a, { io, out }) {
    const durationMs = parseDuration(a.duration, '--duration');
    const project = loadProject({ project: a.project, cwd: io.cwd, env: io.env });
    out.redactor.absorb(project.redactor);
    const url = brokerUrl(a.broker, project);
    if (!out.json) out.note(out.color.dim(`listening to the class on ${url} for ${a.duration}…`));
    const { snapshot } = await verify({ url, durationMs, devices: project.devices, minMessages: a['min-messages'] });
    const grades = gradeGroups(snapshot, project.devices, {
      minMessages: a['min-messages'],
      ...(a['passed-message'] ? { passedMessage: a['passed-message'] } : {}),
      ...(a['failed-message'] ? { failedMessage: a['failed-message'] } : {}),
    });
    if (!a['dry-run']) for (const grade of grades) await publishOnce({ url, topic: 'RESULT', payload: resultPayload(grade) });
    if (out.json) {
      out.document({ ok: true, published: !a['dry-run'], grades, snapshot });
      return;
    }
    const c = out.color;
    out.line(snapshotTable(snapshot, out));
    out.line();
    out.line(table(['group', 'verdict', 'boards', 'RESULT message'], grades.map((g) => [g.group, g.passed ? c.green('passed') : c.red('failed'), g.devices.join(', ') || '—', g.message]), c));
    out.line(a['dry-run'] ? c.dim('dry run: nothing published') : `${c.green('✓')} published ${grades.length} verdict${grades.length === 1 ? '' : 's'} to RESULT`);
  },
});
