// Pass/fail from a snapshot, as sentences a student or CI log can act on. Pure: evaluate() only
// reads the snapshot; verify() is startWatch + wait + evaluate.
import { gradingText } from './gradeText.ts';
import { claimReason, teamProblems, windowOf } from './problems.ts';
import { startWatch, type Watch, type WatchOptions } from './watch.ts';
import type { ClientIdCollision, DeviceStats, DeviceVerdict, EvaluateOptions, Snapshot, Verdict, VerifyResult } from './types.ts';

/** `team-1 (240ac4123456)`, or just the key when no project device is known (or it is the key). */
export function deviceLabel(d: { key: string; device: string | null }): string {
  return d.device !== null && d.device !== d.key ? `${d.device} (${d.key})` : d.key;
}

/** The sentence for a client-id collision, naming every board (watch, verify, grade, simulate). */
export function collisionReason(c: ClientIdCollision): string {
  return `client id ${c.clientId} is used by ${c.boards.length} boards: ${c.boards.join(' and ')}; the broker disconnects one whenever another connects (${c.births} connects so far) — give each board its own mqtt.clientId (the default mpy-iot-{mac} is unique)`;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

function judge(d: DeviceStats, o: Required<Pick<EvaluateOptions, 'minMessages' | 'maxInvalid'>> & EvaluateOptions & { windowMs: number; snapshotDevices: DeviceStats[] }): string[] {
  const label = deviceLabel(d);
  const reasons: string[] = [];
  if (d.messages === 0) {
    reasons.push(`${label}: no telemetry received${d.status === 'online' ? ' (its status topic says online: check the topic it publishes to and its interval)' : ''}`);
  } else if (d.messages < o.minMessages) {
    reasons.push(`${label}: ${plural(d.messages, 'telemetry message')}, expected at least ${o.minMessages}`);
  }
  if (d.invalid > o.maxInvalid && d.firstError) {
    reasons.push(`${label}: ${d.invalid} of ${d.messages} payloads invalid (allowed ${o.maxInvalid}); first on ${d.firstError.topic}: ${d.firstError.reason}`);
  }
  const device = d.device !== null ? o.devices?.find((x) => x.name === d.device) : undefined;
  const teamBoards = d.device === null ? [d] : o.snapshotDevices.filter((x) => x.device === d.device && x.foreign === null);
  for (const problem of teamProblems(d, device, o.windowMs, gradingText('en'), teamBoards)) reasons.push(`${label}: ${problem}`);
  if (o.requireOnline && d.status === 'offline') {
    reasons.push(`${label}: offline since ${d.statusAt !== null ? clock(d.statusAt) : '?'} (last will or disconnect on its status topic)`);
  }
  if (o.maxMissing !== undefined && d.seq && d.seq.missing > o.maxMissing) {
    const sample = d.seq.missingSample.length > 0 ? ` (seq ${d.seq.missingSample.join(', ')}${d.seq.missing > d.seq.missingSample.length ? ', …' : ''})` : '';
    reasons.push(`${label}: ${plural(d.seq.missing, 'payload')} lost${sample}, allowed ${o.maxMissing}`);
  }
  return reasons;
}

/**
 * Judges every row of the snapshot. Defaults: minMessages 1, maxInvalid 0, requireOnline off,
 * seq loss not checked. Without expectDevices, every project device must be heard from; with it,
 * at least that many boards must send telemetry (project devices may then be absent).
 */
export function evaluate(snapshot: Snapshot, options: EvaluateOptions = {}): Verdict {
  const o = { ...options, minMessages: options.minMessages ?? 1, maxInvalid: options.maxInvalid ?? 0, windowMs: windowOf(snapshot), snapshotDevices: snapshot.devices };
  const fleetReasons: string[] = [];
  const devices: DeviceVerdict[] = snapshot.devices.map((d) => {
    // Not in this class: listed, never judged healthy, never a failure of the class either.
    if (d.foreign !== null) return { key: d.key, device: d.device, group: d.group, passed: false, reasons: [], foreign: d.foreign };
    const reasons = judge(d, o);
    return { key: d.key, device: d.device, group: d.group, passed: reasons.length === 0, reasons };
  });
  const seconds = ((snapshot.at - snapshot.startedAt) / 1000).toFixed(1);
  for (const c of snapshot.collisions) fleetReasons.push(collisionReason(c));
  if (snapshot.totals.messages === 0) fleetReasons.push(`no telemetry received in ${seconds} s`);
  if (o.expectDevices !== undefined) {
    const boards = snapshot.totals.boards;
    if (boards < o.expectDevices) {
      const seen = snapshot.devices.filter((d) => d.messages > 0 && d.foreign === null).map(deviceLabel);
      fleetReasons.push(`expected ${plural(o.expectDevices, 'device')} sending telemetry, saw ${boards}${seen.length > 0 ? `: ${seen.join(', ')}` : ''}`);
    }
  } else {
    for (const m of snapshot.missing) {
      const claimed = claimReason(snapshot, m, gradingText('en'));
      const reason = `${m.device}: ${claimed ?? `nothing received in ${seconds} s (no telemetry, no status)`}`;
      devices.push({ key: m.device, device: m.device, group: m.group, passed: false, reasons: [reason] });
    }
  }
  const reasons = [...fleetReasons, ...devices.flatMap((d) => d.reasons)];
  return { passed: reasons.length === 0, reasons, fleetReasons, devices };
}

export interface VerifyOptions extends WatchOptions, EvaluateOptions {
  /** How long to watch once subscribed. */
  durationMs: number;
  /** How long to wait for the broker before failing with a DeviceError; default 10 s. */
  connectTimeoutMs?: number;
  /** End as soon as the verdict passes (checked every `updateMs`) instead of after durationMs. */
  stopWhenPassed?: boolean;
  /** Called with the live Watch before waiting (attach a live table, a 'message' log…). */
  onWatch?: (watch: Watch) => void;
}

/** Watches for durationMs, then evaluates. Rejects with a DeviceError when the broker is unreachable. */
export async function verify(options: VerifyOptions): Promise<VerifyResult> {
  const watch = startWatch(options);
  options.onWatch?.(watch);
  try {
    await watch.ready(options.connectTimeoutMs ?? 10_000);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, options.durationMs);
      const check = setInterval(() => {
        if (options.stopWhenPassed && evaluate(watch.snapshot(), options).passed) done();
      }, options.updateMs ?? 250);
      function done(): void {
        clearTimeout(timer);
        clearInterval(check);
        resolve();
      }
    });
  } finally {
    await watch.stop();
  }
  const snapshot = watch.snapshot();
  return { verdict: evaluate(snapshot, options), snapshot };
}
