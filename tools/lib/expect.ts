// Waiting helpers for tests: "N valid payloads from this board within T", failing at the first
// payload the schema refuses, with the reason a person can act on.
import { VerificationError } from '../errors.ts';
import type { MessageResult } from '../harness/types.ts';
import type { Fleet, TelemetryEvent } from './fleet.ts';

export interface ExpectTelemetryOptions<D extends string = string> {
  /** Only this device's payloads count; default any board's. */
  device?: D;
  /** Valid payloads to wait for; default 1. */
  count?: number;
  /** Default 30 s. */
  timeoutMs?: number;
  /** Count from this time (ms since the epoch); default since the fleet connected. */
  since?: number;
  /** Invalid payloads tolerated before failing; default 0 (the first one fails). */
  maxInvalid?: number;
}

/**
 * Resolves with `count` valid telemetry events (typed as the fleet's payload). Rejects with a
 * VerificationError naming the device, topic, schema path and reason of an invalid payload, or,
 * at the timeout, how many arrived.
 */
export function expectTelemetry<P, D extends string>(fleet: Fleet<P, D>, options: ExpectTelemetryOptions<D> = {}): Promise<TelemetryEvent<P, D>[]> {
  const count = options.count ?? 1;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxInvalid = options.maxInvalid ?? 0;
  const since = options.since ?? fleet.connectedAt;
  const who = options.device ?? 'the fleet';
  const valid: TelemetryEvent<P, D>[] = [];
  let invalid = 0;

  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (error: Error | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      fleet.off('message', onMessage);
      if (error) reject(error);
      else resolve(valid);
    };
    const onMessage = (m: MessageResult): void => {
      if (done || m.kind !== 'telemetry' || m.receivedAt < since) return;
      if (options.device !== undefined && m.device !== options.device) return;
      if (m.valid) {
        valid.push({ topic: m.topic, device: m.device as D | null, key: m.key, receivedAt: m.receivedAt, bytes: m.bytes, payload: m.payload as P, seq: m.seq });
        if (valid.length >= count) finish(null);
        return;
      }
      if (++invalid > maxInvalid) {
        const shown = m.payload === undefined ? '' : `: ${JSON.stringify(m.payload)}`;
        finish(new VerificationError(`${m.device ?? m.key} sent an invalid payload on ${m.topic} (${m.error?.reason ?? 'invalid'})${shown}`, {
          hint: m.error?.kind === 'schema' ? 'the firmware and the telemetry schema disagree: fix the payload or the schema' : 'the payload is not the JSON the schema describes',
        }));
      }
    };
    const timer = setTimeout(() => {
      finish(new VerificationError(`expected ${count} valid telemetry payload(s) from ${who} within ${timeoutMs} ms, got ${valid.length}${invalid ? ` (and ${invalid} invalid)` : ''}`, {
        hint: 'is the board running, connected to this broker, and publishing to the project\'s telemetry topics?',
      }));
    }, timeoutMs);
    for (const m of fleet.messages) onMessage(m);
    // Already settled by the kept history: listening now would leak a listener per call.
    if (!done) fleet.on('message', onMessage);
  });
}

/** Resolves when `predicate` holds for a valid payload of the device (e.g. a temperature above 30). */
export async function waitForTelemetry<P, D extends string>(fleet: Fleet<P, D>, predicate: (event: TelemetryEvent<P, D>) => boolean, options: { device?: D; timeoutMs?: number; since?: number } = {}): Promise<TelemetryEvent<P, D>> {
  return fleet.waitFor((m) => {
    if (m.kind !== 'telemetry' || !m.valid || (options.device !== undefined && m.device !== options.device)) return undefined;
    const event: TelemetryEvent<P, D> = { topic: m.topic, device: m.device as D | null, key: m.key, receivedAt: m.receivedAt, bytes: m.bytes, payload: m.payload as P, seq: m.seq };
    return predicate(event) ? event : undefined;
  }, { ...options, what: `a matching payload from ${options.device ?? 'the fleet'}` });
}
