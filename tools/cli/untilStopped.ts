import type { CliIo } from './io.ts';

/**
 * Resolves after `durationMs`, or on Ctrl-C, whichever comes first. With no duration and no way
 * to be interrupted (the CLI embedded in a test without an interrupt), there is nothing to wait for.
 */
export function untilStopped(io: CliIo, durationMs: number | null = null): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = durationMs === null ? null : setTimeout(done, durationMs);
    const remove = io.onInterrupt?.(done);
    if (durationMs === null && !remove) done();
    function done(): void {
      if (timer) clearTimeout(timer);
      remove?.();
      resolve();
    }
  });
}
