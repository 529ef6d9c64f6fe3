// Grading: one verdict per student group, and the RESULT message the firmware prints
// (firmware/README.md "RESULT": {"group", "message"} plus optional "grade" and "passed").
import type { ResolvedDevice } from '../config/types.ts';
import { deviceLabel, evaluate } from './verdict.ts';
import type { EvaluateOptions, Snapshot } from './types.ts';

export interface GroupGrade {
  group: string;
  passed: boolean;
  /** One line; the board prints it as `result for my group <group>: <message> [passed=…]`. */
  message: string;
  /** Labels of the boards counted for this group (`team-1 (240ac4123456)`), missing ones included. */
  devices: string[];
  grade?: number | string;
}

export interface GradeOptions extends Omit<EvaluateOptions, 'expectDevices'> {
  /** Message for a passing group (default: "accepted: <n> valid payloads"). */
  passedMessage?: string;
  /** Prefix for a failing group (default "not accepted"); the first reason follows. */
  failedMessage?: string;
  /** Grades to attach: given, they go into the RESULT message's "grade" field. */
  grades?: { passed: number | string; failed: number | string };
}

/**
 * Groups come from the project devices (telemetry.group) and from payloads' `group` field (boards
 * not in the project). A group passes when it has at least one board and every board of the group
 * passes evaluate(); a project device of the group that was never heard from fails it.
 */
export function gradeGroups(snapshot: Snapshot, devices: ResolvedDevice[] = [], options: GradeOptions = {}): GroupGrade[] {
  const verdict = evaluate(snapshot, { ...options, expectDevices: undefined });
  const groups = new Map<string, { labels: string[]; valid: number; reasons: string[]; boards: number }>();
  const entry = (group: string) => {
    let g = groups.get(group);
    if (!g) groups.set(group, (g = { labels: [], valid: 0, reasons: [], boards: 0 }));
    return g;
  };
  for (const d of devices) if (d.telemetry.group.trim() !== '') entry(d.telemetry.group);
  for (const v of verdict.devices) {
    if (v.group === null || v.group.trim() === '') continue;
    const g = entry(v.group);
    g.labels.push(deviceLabel(v));
    g.reasons.push(...v.reasons);
    const stats = snapshot.devices.find((s) => s.key === v.key && s.device === v.device);
    if (stats && stats.messages > 0) g.boards++;
    g.valid += stats?.valid ?? 0;
  }
  return [...groups].map(([group, g]) => {
    if (g.boards === 0 && g.reasons.length === 0) g.reasons.push(`group ${group}: no telemetry received`);
    const passed = g.reasons.length === 0;
    const message = passed
      ? options.passedMessage ?? `accepted: ${g.valid} valid payload${g.valid === 1 ? '' : 's'} from ${g.boards} board${g.boards === 1 ? '' : 's'}`
      : `${options.failedMessage ?? 'not accepted'}: ${g.reasons[0]}${g.reasons.length > 1 ? ` (+${g.reasons.length - 1} more)` : ''}`;
    const grade: GroupGrade = { group, passed, message, devices: g.labels };
    if (options.grades) grade.grade = passed ? options.grades.passed : options.grades.failed;
    return grade;
  });
}

/** The RESULT payload (UTF-8 JSON, non-ASCII written raw as the firmware expects). */
export function resultPayload(result: { group: string; message: string; passed?: boolean; grade?: number | string }): Buffer {
  const body: Record<string, unknown> = { group: result.group, message: result.message };
  if (result.passed !== undefined) body.passed = result.passed;
  if (result.grade !== undefined) body.grade = result.grade;
  return Buffer.from(JSON.stringify(body), 'utf8');
}
