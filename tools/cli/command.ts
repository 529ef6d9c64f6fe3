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

/**
 * --jsonl, for the commands that stream (simulate, watch, broker, monitor, dashboard): one JSON object per
 * line as things happen, each with "type" and "at" (ISO 8601 UTC with ms); the last line is the
 * summary (or the error). Their --json is one document when they stop.
 */
export const jsonlOption = (y: Argv): Argv =>
  y.option('jsonl', { type: 'boolean', default: false, describe: 'Stream events as JSON Lines (each with "type" and an ISO 8601 "at"; the last line is the summary or the error)' });
