// Grading: one verdict per team (the board behind one roster device), worded in the project's
// language, and the RESULT message addressed to that board. The RESULT keeps the lab's
// {"group", "message"} form (a board that only knows its group can still read it; the message
// starts with the team's students) and adds "device", "students" and "mac" so that our firmware
// prints only the verdict addressed to it (firmware/README.md "RESULT").
import type { ResolvedDevice } from '../config/types.ts';
import { publishAll, type MqttOptions } from './client.ts';
import { gradingText, type Language } from './gradeText.ts';
import { claimReason, teamProblems, windowOf } from './problems.ts';
import { expandBuildTime } from '../config/placeholders.ts';
import type { DeviceStats, Snapshot } from './types.ts';

export type { Language } from './gradeText.ts';

export interface GradingPlan {
  /** How long to listen: 3 intervals of the slowest board plus slack. */
  durationMs: number;
  /** Valid payloads each roster device needs. */
  minMessages: Map<string, number>;
}

const SLACK_MIN_MS = 5000;

/**
 * Windows and counts from each device's interval: listen 3 intervals of the slowest board plus
 * slack (one interval, at least 5 s), and ask each board for min(3, what it sends in the window − 1)
 * valid payloads, so one late or jittered message never fails a healthy board.
 */
export function gradingPlan(devices: ResolvedDevice[], overrides: { durationMs?: number; minMessages?: number } = {}): GradingPlan {
  const slowest = Math.max(1000, ...devices.map((d) => d.telemetry.intervalSeconds * 1000));
  const durationMs = overrides.durationMs ?? 3 * slowest + Math.max(SLACK_MIN_MS, slowest);
  const minMessages = new Map(devices.map((d) => {
    const expected = Math.floor(durationMs / (d.telemetry.intervalSeconds * 1000));
    return [d.name, overrides.minMessages ?? Math.max(1, Math.min(3, expected - 1))];
  }));
  return { durationMs, minMessages };
}

export interface TeamGrade {
  device: string;
  students: string[];
  group: string;
  /** The board's MAC (from its topic or birth); null when it was never heard from. */
  mac: string | null;
  passed: boolean;
  /** Every reason, in the grading language; the first one goes into the message. */
  reasons: string[];
  /** What the board prints. */
  message: string;
  messages: number;
  valid: number;
  invalid: number;
  minMessages: number;
  grade?: number | string;
}

export interface ForeignBoard {
  key: string;
  group: string | null;
  students: string[] | null;
  why: string;
}

export interface ClassGrades {
  /** Every roster device, in roster order. */
  teams: TeamGrade[];
  /** Boards heard on the class's topics that are not on the roster: shown, never graded. */
  foreign: ForeignBoard[];
  passed: boolean;
  language: Language;
}

export interface GradeOptions {
  language?: Language;
  /** Per device (see gradingPlan), or one number for all; default 1. */
  minMessages?: Map<string, number> | number;
  /** Invalid payloads allowed per board; default 0. */
  maxInvalid?: number;
  /** Replaces the default "passed" sentence. */
  passedMessage?: string;
  /** Replaces the default "failed" prefix (the first reason follows). */
  failedMessage?: string;
  grades?: { passed: number | string; failed: number | string };
}

/** Of a roster device's rows (its board's MACs), the one that speaks for it: most valid telemetry, then most messages. */
export function speakingRow(rows: DeviceStats[]): DeviceStats | undefined {
  return [...rows].sort((a, b) => b.valid - a.valid || b.messages - a.messages)[0];
}

export function gradeTeams(snapshot: Snapshot, devices: ResolvedDevice[], options: GradeOptions = {}): ClassGrades {
  const language = options.language ?? 'en';
  const text = gradingText(language);
  const seconds = Math.round((snapshot.at - snapshot.startedAt) / 1000);
  const maxInvalid = options.maxInvalid ?? 0;
  const teams = devices.map((d): TeamGrade => {
    const min = typeof options.minMessages === 'number' ? options.minMessages : options.minMessages?.get(d.name) ?? 1;
    const rows = snapshot.devices.filter((s) => s.device === d.name && s.foreign === null);
    const sending = rows.filter((s) => s.messages > 0);
    const messages = sum(sending, (s) => s.messages);
    const valid = sum(sending, (s) => s.valid);
    const invalid = sum(sending, (s) => s.invalid);
    const best = speakingRow(rows);
    const reasons: string[] = [];
    const claimed = rows.length === 0 ? claimReason(snapshot, { device: d.name, students: d.telemetry.students, group: d.telemetry.group }, text) : null;
    if (claimed) reasons.push(claimed);
    else if (rows.length === 0) reasons.push(text.silent(seconds));
    else if (messages === 0) reasons.push(text.noTelemetry(seconds, rows.some((s) => s.status === 'online') ? 'online' : rows.some((s) => s.status === 'offline') ? 'offline' : 'unknown', [...new Set(d.telemetry.topics.map((t) => expandBuildTime(t, d)))]));
    else {
      const firstError = sending.find((s) => s.firstError)?.firstError;
      if (invalid > maxInvalid && firstError) reasons.push(text.invalid(invalid, messages, firstError));
      // Each board of the team (usually one), its problems once.
      reasons.push(...new Set(sending.flatMap((s) => teamProblems(s, d, windowOf(snapshot), text, sending))));
      const expectedMs = d.telemetry.intervalSeconds * 1000;
      const meanMs = best?.interval.meanMs ?? null;
      if (valid < min) reasons.push(text.tooFew(valid, min, seconds, meanMs !== null && meanMs > 1.5 * expectedMs ? { meanMs, expectedMs } : undefined));
    }
    const passed = reasons.length === 0;
    const verdict = passed ? options.passedMessage ?? text.passed(valid) : `${options.failedMessage ?? text.failed}: ${reasons[0]}`;
    const students = d.telemetry.students;
    const grade: TeamGrade = {
      device: d.name, students, group: d.telemetry.group, mac: best ? macOf(best) : null, passed, reasons,
      message: students.length > 0 ? `${students.join(', ')} — ${verdict}` : verdict,
      messages, valid, invalid, minMessages: min,
    };
    if (options.grades) grade.grade = passed ? options.grades.passed : options.grades.failed;
    return grade;
  });
  const foreign = snapshot.devices
    .filter((s) => s.foreign !== null)
    .map((s) => ({ key: s.key, group: s.group, students: s.students, why: s.foreign! }));
  return { teams, foreign, passed: teams.length > 0 && teams.every((t) => t.passed), language };
}

const sum = (rows: DeviceStats[], f: (s: DeviceStats) => number): number => rows.reduce((n, s) => n + f(s), 0);
const macOf = (s: DeviceStats): string | null => (/^[0-9a-f]{12}$/.test(s.key) ? s.key : null);

/**
 * The RESULT payload (UTF-8 JSON, non-ASCII written raw as the firmware expects). For a team:
 * addressed by "mac" when the board was heard from, else by "device" + "students" + "group".
 */
export function resultPayload(result: VerdictFields): Buffer {
  return Buffer.from(JSON.stringify(resultBody(result)), 'utf8');
}

export interface VerdictFields {
  group: string;
  message: string;
  passed?: boolean;
  grade?: number | string;
  device?: string;
  students?: string[];
  mac?: string | null;
}

/** The verdict object: RESULT's payload, and the args of the `result` command where there is no RESULT. */
export function resultBody(result: VerdictFields): Record<string, unknown> {
  const body: Record<string, unknown> = { group: result.group, message: result.message };
  if (result.passed !== undefined) body.passed = result.passed;
  if (result.grade !== undefined) body.grade = result.grade;
  if (result.device !== undefined) body.device = result.device;
  if (result.students !== undefined) body.students = result.students;
  if (result.mac) body.mac = result.mac;
  return body;
}

/** Publishes one RESULT per team (the grade command, the dashboard's buttons and the demo). */
export function publishResults(url: string, teams: VerdictFields[], mqttOptions: MqttOptions = {}): Promise<void> {
  return publishAll(url, teams.map((t) => ({ topic: 'RESULT', payload: resultPayload(t) })), mqttOptions);
}

/** CSV for a gradebook (RFC 4180, UTF-8 with a BOM so spreadsheet programs read Cyrillic). */
export function gradesCsv(grades: ClassGrades): string {
  const header = ['group', 'students', 'device', 'board', 'verdict', 'reason', 'valid', 'invalid', 'messages'];
  const rows = grades.teams.map((t) => [t.group, t.students.join('; '), t.device, t.mac ?? '', t.passed ? 'passed' : 'failed', t.reasons[0] ?? '', t.valid, t.invalid, t.messages]);
  for (const f of grades.foreign) rows.push([f.group ?? '', (f.students ?? []).join('; '), '', f.key, 'not in this class', f.why, '', '', '']);
  return '\uFEFF' + [header, ...rows].map((r) => r.map((v) => csvField(String(v))).join(',')).join('\r\n') + '\r\n';
}

function csvField(v: string): string {
  // A leading = + - @ would be run as a formula by spreadsheet programs.
  const safe = /^[=+\-@]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
