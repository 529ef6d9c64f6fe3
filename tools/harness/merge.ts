// Verdicts of several verifiers that split one fleet's stream (MQTT 5 shared subscriptions,
// `verify --share GROUP --report part.json` on each): each saw a share of every board's messages,
// so a board's counts are the sums of its rows across the reports, and the fleet is judged on those.
// What a share cannot tell (seq gaps, intervals: each verifier sees every n-th message) is not judged.
// What any share can tell is carried over: a roster board no report heard, a client id several
// boards use (a share sees some of their connects; the collision is the fleet's).
import { InputError } from '../errors.ts';
import type { JsonReport } from './report.ts';
import type { ClientIdCollision } from './types.ts';
import { collisionReason } from './verdict.ts';

export interface MergeOptions {
  /** At least this many boards must have sent telemetry (summed over the reports). */
  expectDevices?: number;
  minMessages?: number;
  maxInvalid?: number;
}

export interface MergedDevice {
  key: string;
  device: string | null;
  messages: number;
  valid: number;
  invalid: number;
  /** How many of the reports saw this board. */
  seenBy: number;
  passed: boolean;
  reasons: string[];
}

export interface MergedVerdict {
  passed: boolean;
  reasons: string[];
  reports: number;
  devices: MergedDevice[];
  totals: { boards: number; messages: number; valid: number; invalid: number };
}

/** Checks a parsed file is a `verify --report *.json` report; `name` is the file for the error. */
export function asJsonReport(value: unknown, name: string): JsonReport {
  const report = value as Partial<JsonReport> | null;
  if (!report || typeof report !== 'object' || !Array.isArray(report.devices) || typeof report.passed !== 'boolean') {
    throw new InputError(`${name}: not a verify JSON report (no "passed" and "devices")`, [], { hint: 'merge the files written by `mpy-iot verify --share GROUP --report part.json`' });
  }
  return report as JsonReport;
}

export function mergeReports(reports: JsonReport[], options: MergeOptions = {}): MergedVerdict {
  const minMessages = options.minMessages ?? 1;
  const maxInvalid = options.maxInvalid ?? 0;
  const byKey = new Map<string, MergedDevice>();
  for (const report of reports) {
    for (const row of report.devices) {
      if (!row.stats || row.foreign) continue;
      const merged = byKey.get(row.key) ?? { key: row.key, device: row.device, messages: 0, valid: 0, invalid: 0, seenBy: 0, passed: false, reasons: [] };
      merged.messages += row.stats.messages;
      merged.valid += row.stats.valid;
      merged.invalid += row.stats.invalid;
      merged.seenBy += 1;
      byKey.set(row.key, merged);
    }
  }
  const heard = new Set([...byKey.values()].flatMap((d) => (d.device ? [d.key, d.device] : [d.key])));
  // Roster boards a report heard nothing from: its `missing`, or a row without stats (how a report
  // written without --expect-devices lists them). Silent only if no report heard them.
  const silent = new Map<string, MergedDevice>();
  for (const report of reports) {
    const names = [...(report.missing ?? []).map((m) => m.device), ...report.devices.filter((row) => !row.stats && !row.foreign).map((row) => row.device ?? row.key)];
    for (const name of names) {
      if (heard.has(name) || silent.has(name)) continue;
      silent.set(name, { key: name, device: name, messages: 0, valid: 0, invalid: 0, seenBy: 0, passed: false, reasons: [`${name}: heard by none of the ${reports.length} reports (no telemetry, no status)`] });
    }
  }
  const devices = [...byKey.values(), ...silent.values()].sort((a, b) => a.key.localeCompare(b.key));
  for (const d of byKey.values()) {
    const label = d.device && d.device !== d.key ? `${d.device} (${d.key})` : d.key;
    if (d.valid < minMessages) d.reasons.push(`${label}: ${d.valid} valid payload${d.valid === 1 ? '' : 's'} in all reports, expected at least ${minMessages}`);
    if (d.invalid > maxInvalid) d.reasons.push(`${label}: ${d.invalid} invalid payload${d.invalid === 1 ? '' : 's'} (at most ${maxInvalid} allowed)`);
    d.passed = d.reasons.length === 0;
  }
  const reasons: string[] = [];
  const boards = devices.filter((d) => d.messages > 0).length;
  if (reports.length === 0) reasons.push('no reports to merge');
  if (options.expectDevices !== undefined && boards < options.expectDevices) reasons.push(`expected ${options.expectDevices} devices sending telemetry, the reports saw ${boards}`);
  reasons.push(...mergeCollisions(reports).map(collisionReason));
  reasons.push(...devices.flatMap((d) => d.reasons));
  const sum = (pick: (d: MergedDevice) => number): number => devices.reduce((n, d) => n + pick(d), 0);
  return { passed: reasons.length === 0, reasons, reports: reports.length, devices, totals: { boards, messages: sum((d) => d.messages), valid: sum((d) => d.valid), invalid: sum((d) => d.invalid) } };
}

/** The client-id collisions any report saw, one per client id (its boards united, connects summed). */
function mergeCollisions(reports: JsonReport[]): ClientIdCollision[] {
  const byId = new Map<string, ClientIdCollision>();
  for (const report of reports) {
    for (const c of report.collisions ?? []) {
      const merged = byId.get(c.clientId);
      if (!merged) byId.set(c.clientId, { clientId: c.clientId, boards: [...c.boards], births: c.births });
      else {
        merged.boards = [...new Set([...merged.boards, ...c.boards])];
        merged.births += c.births;
      }
    }
  }
  return [...byId.values()].sort((a, b) => a.clientId.localeCompare(b.clientId));
}
