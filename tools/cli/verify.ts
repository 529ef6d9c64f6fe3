import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ExitCode, InputError } from '../errors.ts';
import { parseCount } from '../shared/numbers.ts';
import { toJsonReport, toJUnitXml, verify } from '../harness/index.ts';
import { asJsonReport, mergeReports } from '../harness/merge.ts';
import { parseDuration } from '../shared/duration.ts';
import { defineCommand } from './command.ts';
import { isoTimestamps } from './io.ts';
import { brokerConnection, optionalProject, payloadSchema, printVerdict, snapshotTable } from './harnessView.ts';
import { harnessOptions, type HarnessArgs } from './watch.ts';

interface VerifyArgs extends HarnessArgs {
  duration: string;
  'expect-devices': string | undefined;
  'min-messages': string;
  'max-invalid': string;
  'require-online': boolean;
  report: string[] | undefined;
  share: string | undefined;
  merge: string[] | undefined;
}

export const verifyCommand = defineCommand<VerifyArgs>({
  command: 'verify',
  describe: 'Check telemetry for a while: pass (exit 0) or fail (exit 1) with the reasons',
  builder: (y) =>
    harnessOptions(y)
      .option('duration', { type: 'string', default: '30s', describe: 'How long to listen' })
      .option('expect-devices', { type: 'string', requiresArg: true, describe: 'At least this many boards must send telemetry (default: every project device)' })
      .option('min-messages', { type: 'string', default: '1', describe: 'Payloads each device must send' })
      .option('max-invalid', { type: 'string', default: '0', describe: 'Invalid payloads allowed per device' })
      .option('require-online', { type: 'boolean', default: false, describe: 'Fail devices whose last status is offline' })
      .option('report', { type: 'string', array: true, requiresArg: true, describe: 'Write a report: *.xml (JUnit) or *.json (repeatable)' })
      .option('share', { type: 'string', requiresArg: true, describe: 'Subscribe as one member of this MQTT 5 shared-subscription group: several verify processes split a large fleet\'s stream (external broker; merge their --report *.json with --merge)' })
      .option('merge', { type: 'string', array: true, requiresArg: true, describe: 'Judge the fleet from these --share verifiers\' JSON reports (counts summed per board) instead of listening' })
      .example('$0 verify --duration 30s --min-messages 3', 'Every project device sends 3 valid payloads within 30 s')
      .example('$0 verify --expect-devices 12 --report junit.xml --report report.json', 'A classroom of 12, with reports for CI')
      .example('$0 verify -b mqtts://127.0.0.1:8883 --cafile certs/ca.pem --cert certs/registries/reg-1.pem --key certs/registries/reg-1.key', 'On a broker that wants a client certificate: log in with the registry\'s (mpy-iot certs registry reg-1)')
      .example('$0 verify --share v --report part1.json', 'One of several verifiers splitting the stream (MQTT 5 $share/v/…)')
      .example('$0 verify --merge part1.json part2.json --expect-devices 300', 'The fleet verdict from their reports'),
  async run(args, { io, out }) {
    const durationMs = parseDuration(args.duration, '--duration');
    const expectDevices = args['expect-devices'] === undefined ? undefined : parseCount(args['expect-devices'], '--expect-devices');
    const minMessages = parseCount(args['min-messages'], '--min-messages');
    const maxInvalid = parseCount(args['max-invalid'], '--max-invalid', 0);
    for (const file of args.report ?? []) {
      if (!/\.(xml|json)$/i.test(file)) throw new InputError(`--report ${file}: the name must end in .xml (JUnit) or .json`);
    }
    if (args.merge) {
      // --merge reads files and listens to no broker: connection flags would be silently ignored.
      const connection = (['broker', 'username', 'password', 'cafile', 'cert', 'key', 'share'] as const).filter((flag) => (args as unknown as Record<string, unknown>)[flag] !== undefined);
      if (connection.length > 0) {
        throw new InputError(`--merge judges saved reports and connects to no broker: ${connection.map((f) => `--${f}`).join(', ')} would be ignored`, [], { hint: 'drop them from the --merge run (the verifiers that wrote the reports used them)' });
      }
      // A report counted twice doubles its boards' counts: the same file (or a copy of it) is refused.
      const given: { real: string; file: string; text: string }[] = [];
      const reports = args.merge.map((file) => {
        let text: string;
        try {
          text = readFileSync(path.resolve(io.cwd, file), 'utf8');
        } catch (error) {
          throw new InputError(`--merge ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`, [], { hint: 'give the JSON reports written by verify --share GROUP --report part.json' });
        }
        const real = realpathSync(path.resolve(io.cwd, file));
        const twice = given.find((g) => g.real === real || g.text === text)?.file;
        if (twice !== undefined) throw new InputError(`--merge ${file}: the same report as ${twice}; each verifier's report is merged once`, [], { hint: 'give each --share verifier\'s own report once' });
        given.push({ real, file, text });
        try {
          return asJsonReport(JSON.parse(text), `--merge ${file}`);
        } catch (error) {
          if (error instanceof InputError) throw error;
          throw new InputError(`--merge ${file}: not JSON (${(error as Error).message})`, [], { hint: 'give the JSON reports written by verify --share GROUP --report part.json' });
        }
      });
      const merged = mergeReports(reports, { ...(expectDevices === undefined ? {} : { expectDevices }), minMessages, maxInvalid });
      if (out.json) out.document({ ok: merged.passed, ...merged });
      else {
        for (const d of merged.devices) out.line(`${d.passed ? out.color.green('✓') : out.color.red('✖')} ${d.device && d.device !== d.key ? `${d.device} ${out.color.dim(d.key)}` : d.key}  ${d.valid} valid, ${d.invalid} invalid (seen by ${d.seenBy} of ${merged.reports})`);
        for (const reason of merged.reasons) out.line(out.color.red(`  ${reason}`));
        out.line(merged.passed ? out.color.green(`PASS: ${merged.totals.boards} boards, ${merged.totals.valid} valid payloads in ${merged.reports} reports`) : out.color.red('FAIL'));
      }
      return merged.passed ? ExitCode.ok : ExitCode.verificationFailed;
    }
    const project = optionalProject(args.project, io.cwd, io.env, out);
    const broker = brokerConnection(args, project, out, { cwd: io.cwd });
    const schemaPath = payloadSchema(args.schema, project, io.cwd);
    out.note(out.color.dim(`verifying on ${broker.shown} for ${args.duration}…`));
    const result = await verify({
      url: broker.url,
      mqttOptions: broker.mqttOptions,
      durationMs,
      ...(project ? { devices: project.devices } : {}),
      ...(args.topic ? { topics: args.topic } : {}),
      ...(schemaPath ? { schemaPath } : {}),
      ...(expectDevices === undefined ? {} : { expectDevices }),
      minMessages,
      maxInvalid,
      requireOnline: args['require-online'],
      ...(args.share === undefined ? {} : { shareGroup: args.share }),
    });
    for (const file of args.report ?? []) {
      const target = path.resolve(io.cwd, file);
      writeFileSync(target, file.toLowerCase().endsWith('.xml') ? toJUnitXml(result) : JSON.stringify(isoTimestamps(toJsonReport(result)), null, 2) + '\n');
    }
    if (out.json) out.document({ ok: result.verdict.passed, ...toJsonReport(result) });
    else {
      out.line(snapshotTable(result.snapshot, out, result.verdict));
      printVerdict(result.verdict, out);
    }
    // The reasons are printed above (or are in the JSON document): only the exit code is left to say.
    return result.verdict.passed ? ExitCode.ok : ExitCode.verificationFailed;
  },
});
