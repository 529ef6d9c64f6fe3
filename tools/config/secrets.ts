// Secrets (Wi-Fi and MQTT passwords, and values of secret-looking variables) never reach output:
// every message and every --json document passes through one Redactor before it is printed.

export const REDACTED = '‹redacted›';

/** Paths whose values are secrets wherever they appear (defaults or devices[i]). */
const SECRET_FIELD = /(^|\.)(wifi|mqtt)\.password$/;
/** Environment variable names whose values are treated as secrets. */
const SECRET_VARIABLE = /PASS|PWD|SECRET|TOKEN|KEY|CREDENTIAL/i;

/** A field name that looks like a secret, misspelt ones included (`pasword`, `passwrd`, `pwd`, `token`; not `key`: tls.key is a file name). */
const SECRET_LOOKING_FIELD = /(^|\.)[^.]*(pa?s+w|pwd|secret|token|credential)[^.]*$/i;

export function isSecretPath(path: string): boolean {
  return SECRET_FIELD.test(path);
}

/**
 * A path whose value must not be printed: the secret fields, and any field named like one — the
 * misspelt `wifi.pasword` the schema refuses still holds the real password.
 */
export function isSecretLookingPath(path: string): boolean {
  return SECRET_FIELD.test(path) || SECRET_LOOKING_FIELD.test(path);
}

export function isSecretVariable(name: string): boolean {
  return SECRET_VARIABLE.test(name);
}

export class Redactor {
  readonly #secrets = new Set<string>();

  /** Registers a secret value; empty and very short values are ignored (they would redact ordinary text). */
  add(value: string | null | undefined): void {
    if (value && value.length >= 3) this.#secrets.add(value);
  }

  /** Learns every secret another redactor knows (the CLI's output redactor absorbs the project's). */
  absorb(other: Redactor): void {
    for (const secret of other.#secrets) this.#secrets.add(secret);
  }

  get size(): number {
    return this.#secrets.size;
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret containing another is replaced whole.
    for (const secret of [...this.#secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(secret).join(REDACTED);
    }
    return out;
  }

  /** Deep copy of a JSON value with secret fields and secret substrings replaced. */
  redactJson<T>(value: T, path = ''): T {
    if (typeof value === 'string') return (isSecretPath(path) && value !== '' ? REDACTED : this.redact(value)) as T;
    if (Array.isArray(value)) return value.map((item, i) => this.redactJson(item, `${path}[${i}]`)) as T;
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[key] = this.redactJson(item, path === '' ? key : `${path}.${key}`);
      return out as T;
    }
    return value;
  }
}
