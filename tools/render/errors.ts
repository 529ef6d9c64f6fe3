// Errors raised while turning project data into MicroPython source or bytecode.
import { InputError } from '../errors.ts';

/**
 * A value cannot be written as a MicroPython literal (lone surrogate, NaN, unsafe integer, …).
 * It is bad input (exit 2): the value came from the project file, so `path` points the user at it.
 */
export class PyLiteralError extends InputError {
  /** Where the value sits inside the encoded structure, e.g. `students[2]` (empty for the root). */
  readonly path: string;

  constructor(path: string, reason: string) {
    const where = path === '' ? 'value' : path;
    super(`cannot write ${where} as a MicroPython literal: ${reason}`, [{ path, message: reason, severity: 'error' }]);
    this.path = path;
  }
}

/**
 * mpy-cross itself failed (aborted, or never reported back). Not a syntax error in the source:
 * those come back as a `CompileResult` with `ok: false`.
 */
export class MpyCrossError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MpyCrossError';
  }
}
