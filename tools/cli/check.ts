import path from 'node:path';
import { loadProject } from '../config/index.ts';
import { estimatePayloadBytes } from '../config/payload.ts';
import { loadPayloadValidator } from '../harness/schema.ts';
import { samplePayloadIssue } from '../harness/samplePayload.ts';
import { defineCommand } from './command.ts';
import { payloadSchema } from './harnessView.ts';
import { formatIssue, issueJson } from './report.ts';
import { table } from './table.ts';

export const checkCommand = defineCommand({
  command: 'check',
  describe: 'Validate the project file: schema, secrets, boards, topics, QoS, intervals, payload size',
  builder: (y) =>
    y
      .example('$0 check', 'Validate ./mpy-iot.json (or .yaml)')
      .example('$0 check -p classroom.yaml --json', 'Validate another file; problems as JSON (exit 2 if any)'),
  async run(args, { io, out }) {
    const project = loadProject({ project: args.project, cwd: io.cwd, env: io.env });
    out.redactor.absorb(project.redactor);
    // The payload each device will send, against the schema watch/verify/grade will judge it by.
    const schemaPath = payloadSchema(undefined, project, io.cwd);
    const { validate } = loadPayloadValidator(schemaPath);
    const schemaName = schemaPath ? path.relative(io.cwd, schemaPath) || schemaPath : 'the lab payload schema';
    for (const [i, device] of project.devices.entries()) {
      const issue = samplePayloadIssue(device, i, validate, schemaName);
      if (issue) project.warnings.push(issue);
    }
    const rows = project.devices.map((d) => ({
      name: d.name,
      board: d.board.id,
      broker: d.mqtt.url,
      topics: d.telemetry.topics,
      intervalSeconds: d.telemetry.intervalSeconds,
      payloadBytes: estimatePayloadBytes(d),
      payloadBudget: d.board.maxPayloadBytes,
    }));
    if (out.json) {
      out.document({ ok: true, file: project.file, devices: rows, warnings: project.warnings.map(issueJson) });
      return;
    }
    const c = out.color;
    out.line(`${c.green('✓')} ${path.relative(io.cwd, project.file) || project.file}: ${rows.length} device${rows.length > 1 ? 's' : ''}, no errors`);
    out.line(table(['device', 'board', 'broker', 'topics', 'every', 'payload'], rows.map((r) => [r.name, r.board, r.broker, r.topics.join(' '), `${r.intervalSeconds} s`, `≤${r.payloadBytes}/${r.payloadBudget} B`]), c));
    if (project.warnings.length > 0) {
      out.line(`\n${project.warnings.length} warning${project.warnings.length > 1 ? 's' : ''}:`);
      for (const w of project.warnings) for (const line of formatIssue(w, out, io.cwd)) out.line(line);
    }
  },
});
