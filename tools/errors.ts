// One small error hierarchy. Every error carries the exit code the CLI maps it to, so the
// mapping lives in exactly one place (the class) and library code never decides how to print.

export const ExitCode = {
  ok: 0,
  verificationFailed: 1,
  badInput: 2,
  deviceError: 3,
  /** Ctrl-C (SIGINT/SIGTERM), as shells report a process a signal stopped: 128 + SIGINT's 2. */
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class MpyIotError extends Error {
  abstract readonly exitCode: ExitCodeValue;
  /** A short line telling the user how to fix it, shown under the message. */
  readonly hint: string | undefined;

  constructor(message: string, options: { cause?: unknown; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** One problem found in user input, located by a JSON path into the document it came from. */
export interface InputIssue {
  /** JSON path such as `devices[0].mqtt.qos` (empty for the whole document). */
  path: string;
  message: string;
  /** The offending value, already redacted when it is a secret. */
  value?: unknown;
  hint?: string;
  /** Source file the path points into. */
  file?: string;
  severity: 'error' | 'warning';
}

/** Bad configuration or arguments: exit 2. */
export class InputError extends MpyIotError {
  readonly exitCode = ExitCode.badInput;
  readonly issues: InputIssue[];

  constructor(message: string, issues: InputIssue[] = [], options: { cause?: unknown; hint?: string } = {}) {
    super(message, options);
    this.issues = issues;
  }
}

/** A board, port or transport failed: exit 3. */
export class DeviceError extends MpyIotError {
  readonly exitCode = ExitCode.deviceError;
}

/** Verification ran and the checked thing did not pass: exit 1. */
export class VerificationError extends MpyIotError {
  readonly exitCode = ExitCode.verificationFailed;
}
