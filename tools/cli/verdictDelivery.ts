// How `result` and `grade` tell the teacher what each board did with a verdict sent as a `result`
// command (IoT Core projects: no RESULT topic), and the exit code that follows from it.
import { ExitCode, type ExitCodeValue } from '../errors.ts';
import type { VerdictDelivery } from '../harness/index.ts';
import type { Output } from './io.ts';

/** For --json: everything but the error object. */
export const deliveryJson = (deliveries: VerdictDelivery[]): Omit<VerdictDelivery, 'cause'>[] => deliveries.map(({ cause: _cause, ...d }) => d);

export function deliveryLines(deliveries: VerdictDelivery[], out: Output): string[] {
  const c = out.color;
  return deliveries.map((d) => {
    const via = c.dim(` (${d.commandTopic}${d.rttMs === undefined ? '' : `, ${d.rttMs.toFixed(0)} ms`})`);
    switch (d.outcome) {
      case 'shown':
        return `${c.green('✓')} ${d.device} printed it${via}`;
      case 'not-shown':
        return `${c.red('✖')} ${d.device} did not print it: the board says it is addressed to another board or group (check its students/group in the project, then build and deploy)${via}`;
      case 'refused':
        return `${c.red('✖')} ${d.device} answered an error: ${d.error}${/unknown command/.test(d.error ?? '') ? ' — its firmware predates the result command: build and deploy' : ''}${via}`;
      case 'no-reply':
        return `${c.red('✖')} ${d.device}: ${d.error}${c.dim(` — is it online? \`mpy-iot watch\` shows it`)}`;
    }
  });
}

/** 3 when a board did not answer (device error), 1 when one answered but did not print it, else 0. */
export function deliveryExit(deliveries: VerdictDelivery[]): ExitCodeValue {
  if (deliveries.some((d) => d.outcome === 'no-reply')) return ExitCode.deviceError;
  if (deliveries.some((d) => d.outcome !== 'shown')) return ExitCode.verificationFailed;
  return ExitCode.ok;
}
