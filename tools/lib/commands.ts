// A command as a value: what `fleet.send()` publishes, typed by the result the device answers with.
// `mpy-iot codegen` writes one builder per firmware command returning these (see tools/codegen).
import type { CommandReply } from '../harness/command.ts';

export interface CommandRequest<Result = unknown> {
  readonly cmd: string;
  readonly args?: Readonly<Record<string, unknown>>;
  /** Never set: carries the result type from a builder to `send()`'s answer. */
  readonly __result?: Result;
}

/** The device answered: `ok` tells whether it did the command (`result`) or refused it (`error`). */
export type CommandOutcome<Result = unknown> =
  | { ok: true; result: Result; error?: undefined; rttMs: number; reply: CommandReply }
  | { ok: false; result?: undefined; error: string; rttMs: number; reply: CommandReply };

export function commandRequest<Result = unknown>(cmd: string, args?: Record<string, unknown>): CommandRequest<Result> {
  return args === undefined ? { cmd } : { cmd, args };
}
