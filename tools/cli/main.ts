// The command table and the one place that turns outcomes into output and exit codes.
import yargs, { type MiddlewareFunction } from 'yargs';
import { ExitCode, InputError } from '../errors.ts';
import { didYouMean } from '../shared/didYouMean.ts';
import { boardsCommand } from './boards.ts';
import { brokerCommand } from './broker.ts';
import { buildCommand } from './build.ts';
import { certsCommand } from './certs.ts';
import { configCommand } from './configPush.ts';
import { stateCommand } from './state.ts';
import { iotCoreCommand } from './iotCore.ts';
import { checkCommand } from './check.ts';
import { codegenCommand } from './codegen.ts';
import type { Command, GlobalArgs } from './command.ts';
import { demoCommand } from './demo.ts';
import { initCommand } from './init.ts';
import { createOutput, processIo, wantsColor, type CliIo, type Output } from './io.ts';
import { failureDocument, reportError } from './report.ts';
import { resultCommand } from './result.ts';
import { sendCommandCli } from './send.ts';
import { simulateCommand } from './simulate.ts';
import { verifyCommand } from './verify.ts';
import { watchCommand } from './watch.ts';
import { gradeCommand } from './grade.ts';
import { deployCommand } from './deploy.ts';
import { monitorCommand } from './monitor.ts';
import { portsCommand } from './ports.ts';
import { runCommand } from './run.ts';
import { flashCommand } from './flash.ts';
import { dashboardCommand } from './dashboard.ts';

export const commands: Command<never>[] = [
  demoCommand,
  initCommand,
  boardsCommand,
  checkCommand,
  buildCommand,
  simulateCommand,
  brokerCommand,
  watchCommand,
  verifyCommand,
  sendCommandCli,
  resultCommand,
  gradeCommand,
  dashboardCommand,
  portsCommand,
  deployCommand,
  monitorCommand,
  runCommand,
  flashCommand,
  certsCommand,
  codegenCommand,
  configCommand,
  stateCommand,
  iotCoreCommand,
] as Command<never>[];

function parser(argv: string[]) {
  let y = yargs(argv)
    .scriptName('mpy-iot')
    .usage('$0 <command> [options]\n\nMicroPython IoT toolchain: one project file → firmware for a fleet of ESP32/ESP8266 boards.')
    .option('json', { type: 'boolean', default: false, describe: 'Machine-readable output: exactly one JSON document on stdout, success or failure (streaming commands: a summary when they stop; --jsonl streams)', global: true })
    .option('verbose', { type: 'boolean', default: false, describe: 'More detail, including error causes', global: true })
    .option('color', { type: 'boolean', describe: 'Force colours on or off (NO_COLOR is respected)', global: true })
    .option('project', { alias: 'p', type: 'string', describe: 'Project file or folder (default: ./mpy-iot.json or ./mpy-iot.yaml)', global: true, requiresArg: true })
    .epilog('Exit codes: 0 ok, 1 verification failed, 2 bad input, 3 device or transport error, 130 interrupted (Ctrl-C).\nDocs: README.md; project file schema: schema/project.schema.json')
    .strict()
    .demandCommand(1, 'Pick a command (see the list above).')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, process.stdout.columns || 100));
  for (const c of commands) y = y.command(c.command, c.describe, c.builder);
  // yargs passes its instance as a second argument, which its type declarations leave out.
  return y.middleware(refuseRepeatedValues as unknown as MiddlewareFunction, true);
}

/**
 * `-b A -b B` reaches a command as an array where it expects one value (a crash, or a count of
 * '2,3'): a value option given twice is refused, naming it, unless it is a repeatable one.
 */
interface OptionLists {
  getOptions(): { array: string[]; boolean: string[] };
}

function refuseRepeatedValues(argv: Record<string, unknown>, y: OptionLists): void {
  const { array, boolean } = y.getOptions();
  const camel = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const repeatable = new Set([...array, ...boolean, ...[...array, ...boolean].map(camel), '_', '$0']);
  const repeated = Object.entries(argv).filter(([key, value]) => Array.isArray(value) && !repeatable.has(key));
  // Aliases carry the same array: name the long flag.
  const [key, values] = repeated.sort(([a], [b]) => b.length - a.length)[0] ?? [];
  if (key === undefined) return;
  const flag = key.length === 1 ? `-${key}` : `--${key}`;
  throw new InputError(`${flag} was given ${(values as unknown[]).length} times (${(values as unknown[]).join(', ')})`, [], { hint: `give ${flag} once` });
}

/**
 * `--duration -5s` would reach yargs as the short flags -5 and -s ("Unknown arguments: 5, s"):
 * a value that starts with a minus and a digit is glued to its long flag (`--duration=-5s`), so the
 * flag's own check can say what is wrong with it. No command has digit flags or such positionals.
 */
function keepNegativeValues(argv: string[]): string[] {
  const result: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (/^--[^=]+$/.test(arg) && next !== undefined && /^-\d/.test(next)) {
      result.push(`${arg}=${next}`);
      i++;
    } else result.push(arg);
  }
  return result;
}

/**
 * yargs says "Unknown argument: durations" and no more: name the command's option it was meant to
 * be (`--duration`), as `check` does for misspelt fields.
 */
function unknownFlagHint(message: string, argv: string[]): string | undefined {
  const unknown = /^Unknown arguments?: (.+)$/.exec(message);
  const command = commands.find((c) => argv.includes(c.command.split(' ')[0]!));
  if (!unknown || !command) return undefined;
  const options = command.builder(yargs([])) as unknown as { getOptions(): { key: Record<string, unknown> } };
  const known = [...Object.keys(options.getOptions().key), 'json', 'jsonl', 'verbose', 'color', 'project'].filter((k) => k.length > 1);
  // yargs lists each unknown flag twice, as typed and camelCased (dry-runn, dryRunn).
  const guesses = unknown[1]!.split(', ').filter((flag) => !/[A-Z]/.test(flag)).flatMap((flag) => {
    const guess = didYouMean(flag, known);
    return guess ? [`--${flag}: did you mean --${guess}?`] : [];
  });
  return guesses.length > 0 ? `${guesses.join('; ')} (\`mpy-iot ${command.command.split(' ')[0]} --help\` lists the options)` : undefined;
}

const INTERRUPTED = { type: 'Interrupted', message: 'interrupted (Ctrl-C)', exitCode: ExitCode.interrupted };

/** Runs the CLI in-process; returns the exit code. Tests call this with captured streams. */
export async function main(rawArgv: string[], io: CliIo = processIo()): Promise<number> {
  const argv = keepNegativeValues(rawArgv);
  // A Ctrl-C while the arguments are parsed: the output is not set up yet, the document still due.
  io.setLastWords?.(() => {
    if (argv.includes('--json') || argv.includes('--jsonl')) io.stdout(`${JSON.stringify({ ok: false, error: INTERRUPTED }, null, 2)}\n`);
  });
  let parsed: GlobalArgs & { _: (string | number)[] };
  let helpText = '';
  let parseError: Error | undefined;
  try {
    parsed = await new Promise((resolve, reject) => {
      parser(argv)
        .exitProcess(false)
        // A .check() that returns a string arrives as `error` too, a string, not an Error.
        .fail((message, error: unknown) => {
          if (error instanceof Error) return reject(error);
          const hint = unknownFlagHint(message || '', argv);
          reject(new InputError(message || String(error), [], hint ? { hint } : {}));
        })
        .parse(argv, {}, (error, args, output) => {
          helpText = output;
          if (error) reject(error);
          else resolve(args as never);
        });
    });
  } catch (error) {
    parseError = error as Error;
    // Which command (and so whether --jsonl exists for it) is unknown: either flag gets one document.
    parsed = { json: argv.includes('--json') || argv.includes('--jsonl'), jsonl: false, verbose: false, color: undefined, project: undefined, _: [] };
  }
  const jsonl = Boolean(parsed.jsonl);
  const out = createOutput(io, { json: Boolean(parsed.json) && !jsonl, jsonl, verbose: Boolean(parsed.verbose), color: wantsColor(io, parsed.color) });
  io.setLastWords?.(() => {
    if (!out.json) return;
    failureDocument(out, INTERRUPTED);
    out.flush();
  });
  const code = await runParsed(argv, parsed, parseError, helpText, io, out);
  // Whatever happened, a --json run ends with its one document.
  out.flush();
  return code;
}

async function runParsed(argv: string[], parsed: GlobalArgs & { _: (string | number)[] }, parseError: Error | undefined, helpText: string, io: CliIo, out: Output): Promise<number> {
  if (!parseError && parsed.json && parsed.jsonl) parseError = new InputError('--json and --jsonl: pick one', [], { hint: '--json prints one document when the command ends; --jsonl streams one JSON object per line' });
  if (parseError) {
    // With no command at all yargs fails before it renders the help, so "see the list above"
    // would point at nothing: render the list here.
    if (!helpText && !argv.some((a) => !a.startsWith('-'))) helpText = await parser([]).getHelp();
    if (helpText) io.stderr(helpText + '\n\n');
    const error = parseError instanceof InputError ? parseError : new InputError(parseError.message, [], { hint: 'run `mpy-iot --help` for the commands and their options' });
    return reportError(error, out, io.cwd);
  }
  if (helpText) {
    io.stdout(helpText + '\n');
    return 0;
  }
  const name = String(parsed._[0]);
  const command = commands.find((c) => c.command.split(' ')[0] === name);
  if (!command) return reportError(new InputError(`unknown command '${name}'`), out, io.cwd);
  // Commands that stop cleanly on Ctrl-C still end with 130, as verify (which has no handler) does:
  // one exit code for "interrupted" whatever the command.
  let interrupted = false;
  const runIo: CliIo = io.onInterrupt
    ? {
        ...io,
        onInterrupt: (handler) =>
          io.onInterrupt!((reason) => {
            if (reason !== 'stdout-closed') interrupted = true;
            handler(reason);
          }),
      }
    : io;
  try {
    const code = (await command.run(parsed as never, { io: runIo, out })) ?? ExitCode.ok;
    return interrupted && code === ExitCode.ok ? ExitCode.interrupted : code;
  } catch (error) {
    return reportError(error, out, io.cwd);
  }
}
