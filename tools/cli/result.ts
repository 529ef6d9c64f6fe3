import { readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';
import { publishOnce, resultPayload } from '../harness/index.ts';
import { defineCommand } from './command.ts';
import { brokerConnection, brokerOptions, optionalProject, type BrokerArgs } from './harnessView.ts';

interface ResultArgs extends BrokerArgs {
  group: string;
  message: string | undefined;
  file: string | undefined;
  passed: boolean | undefined;
}

export const resultCommand = defineCommand<ResultArgs>({
  command: 'result',
  describe: 'Publish a result for a group to RESULT (the boards of that group print it)',
  builder: (y) =>
    brokerOptions(y)
      .option('group', { alias: 'g', type: 'string', demandOption: true, requiresArg: true, describe: 'Group the result is for' })
      .option('message', { alias: 'm', type: 'string', requiresArg: true, describe: 'Text of the result' })
      .option('file', { type: 'string', requiresArg: true, describe: 'A JSON file with the whole RESULT message (its group is replaced by --group)' })
      .option('passed', { type: 'boolean', describe: 'Mark the result passed or failed' })
      .conflicts('message', 'file')
      .check((argv) => (argv.message !== undefined || argv.file !== undefined ? true : 'give --message TEXT or --file RESULT.json'))
      .example('$0 result -g БАГ-18-01 -m "Лабораторная зачтена" --passed', 'Tell group БАГ-18-01 it passed')
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
    const broker = brokerConnection(a, project, out);
    const payload = a.file
      ? Buffer.from(JSON.stringify({ ...message, group: a.group }), 'utf8')
      : resultPayload({ group: a.group, message: String(message.message), ...(a.passed === undefined ? {} : { passed: a.passed }) });
    await publishOnce({ url: broker.url, mqttOptions: broker.mqttOptions, topic: 'RESULT', payload });
    if (out.json) out.document({ ok: true, topic: 'RESULT', payload: JSON.parse(payload.toString('utf8')) });
    else out.line(`${out.color.green('✓')} RESULT → ${payload.toString('utf8')}`);
  },
});
