// Waiting for what a test can observe (a message at the broker, a line of output), not for a fixed
// time: a loaded host (two test files at once, other processes) makes every step slower, and a
// wait sized for a quiet machine then ends before the step did.

/** Resolves once `check()` is true (looked at every 25 ms); rejects naming `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
