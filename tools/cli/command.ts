// The shape of one CLI command: a yargs builder for its options, and a run function.
import type { Argv } from 'yargs';
import type { CliIo, Output } from './io.ts';

export interface GlobalArgs {
  json: boolean;
  verbose: boolean;
  color: boolean | undefined;
  project: string | undefined;
  [key: string]: unknown;
}

export interface CommandContext {
  io: CliIo;
  out: Output;
}

export interface Command<A = Record<string, unknown>> {
  /** yargs command string, e.g. `build [device..]`. */
  command: string;
  describe: string;
  builder: (yargs: Argv) => Argv;
  /** Returns the exit code (0 when omitted); throws MpyIotError subclasses for failures. */
  run: (args: A & GlobalArgs, ctx: CommandContext) => Promise<number | void>;
}

export function defineCommand<A>(command: Command<A>): Command<A> {
  return command;
}
