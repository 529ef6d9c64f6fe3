// Turns what esptool-js throws (ESPError, TimeoutError, plain Error) into a DeviceError that
// says which step failed and what to try. esptool-js's own connect error drops its diagnosis
// ("Failed to connect with the device"), so the boot log seen during the resets is read here.
import { DeviceError, MpyIotError } from '../errors.ts';

export interface FailureContext {
  step: string;
  path: string;
  /** What the board printed while esptool-js reset it (latin1). */
  bootLog: string;
}

const bootHint = 'Hold BOOT (IO0) while pressing EN/RESET, release EN, then BOOT, and flash again.';
const cableHint = 'Check the USB cable (charge-only cables carry no data), that the board is powered, and that no other program (monitor, IDE) has the port open.';
const baudHint = 'The link dropped bytes: retry, use a shorter or better cable, or a lower --baud (115200).';

export function flashFailure(error: unknown, ctx: FailureContext): MpyIotError {
  if (error instanceof MpyIotError && (error as { disconnected?: boolean }).disconnected) {
    return new DeviceError(`${ctx.path} disconnected during ${ctx.step}: the board may hold a half-written image`, { cause: error, hint: `${error.hint ?? cableHint} Then flash it again.` });
  }
  if (error instanceof MpyIotError) return error;
  const cause = error as Error;
  const text = cause?.message ?? String(error);
  const what = `flashing ${ctx.path} failed at ${ctx.step}: ${text}`;
  if (ctx.step === 'connect') return new DeviceError(`cannot reach the ROM loader on ${ctx.path}: ${connectDiagnosis(ctx.bootLog, text)}`, { cause, hint: connectHint(ctx.bootLog) });
  if (/md5/i.test(text)) return new DeviceError(what, { cause, hint: 'The flash does not hold the image: flash again, with --erase, or at a lower --baud.' });
  if (/stub/i.test(text) || ctx.step === 'stub') return new DeviceError(what, { cause, hint: `The flasher stub did not start or the baud change failed. ${baudHint}` });
  if (/timed? ?out|no serial data|data stream stopped|noise|corruption|invalid head|SLIP/i.test(text)) return new DeviceError(what, { cause, hint: baudHint });
  if (/status/i.test(text)) return new DeviceError(what, { cause, hint: `The board refused a block. ${baudHint}` });
  return new DeviceError(what, { cause, hint: cableHint });
}

function connectDiagnosis(bootLog: string, text: string): string {
  const boot = /boot:(0x[0-9a-fA-F]+)/.exec(bootLog);
  if (boot && /waiting for download/.test(bootLog)) return `the chip is in download mode (${boot[1]}) but never answered SYNC`;
  if (boot) return `wrong boot mode: the chip booted normally (${boot[1]}) instead of into the ROM loader`;
  if (bootLog.length > 0) return 'the board printed something but never answered SYNC (wrong baud, or a running app)';
  return `no reply at all (${text})`;
}

function connectHint(bootLog: string): string {
  if (/waiting for download/.test(bootLog)) return 'The TX line from the board seems down or the USB-serial adapter is faulty: check the cable and adapter.';
  if (/boot:0x/.test(bootLog)) return `The auto-reset circuit did not pull IO0 low. ${bootHint}`;
  return `${cableHint} If it still fails: ${bootHint}`;
}
