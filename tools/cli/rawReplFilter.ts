// What simulate shows of a board's console while deploy or mpremote drives its raw REPL: one line
// when the session starts and one when it ends, not the protocol's bytes (`>R\x01`, `\x04\x04>`).

/** MicroPython's answer to Ctrl-A: the session starts. */
const RAW_REPL_ENTERED = 'raw REPL; CTRL-B to exit';
/** The friendly REPL's banner (after Ctrl-B) or a reboot: the session is over. */
const SESSION_OVER = /^MicroPython v\d|MPY: soft reboot|^rst:|^ets /;

export class RawReplFilter {
  private inSession = false;
  private hidden = 0;

  /** The lines to show for one console line: the line itself, nothing (REPL traffic), or a notice. */
  feed(line: string): string[] {
    if (!this.inSession) {
      if (!line.includes(RAW_REPL_ENTERED)) return [line];
      this.inSession = true;
      this.hidden = 0;
      const before = line.slice(0, line.indexOf(RAW_REPL_ENTERED)).replace(/>>> ?/g, '').trim();
      return [...(before ? [before] : []), '── raw REPL session (deploy, mpremote…): program stopped ──'];
    }
    if (!SESSION_OVER.test(line)) {
      this.hidden++;
      return [];
    }
    return [this.end(), line];
  }

  /** A reset ends any session (the board reboots into its program). */
  reset(): string[] {
    return this.inSession ? [this.end()] : [];
  }

  private end(): string {
    this.inSession = false;
    return `── raw REPL session ended (${this.hidden} line${this.hidden === 1 ? '' : 's'} of REPL traffic hidden) ──`;
  }
}
