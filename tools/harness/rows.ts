// Row bookkeeping of the tracker and its conversion to the plain DeviceStats handed out.
import { poolIntervals, poolSeq, type Stream } from './stream.ts';
import type { ResolvedDevice } from '../config/types.ts';
import type { DeviceStats, DeviceStatus, Identity, InvalidKind, TeamMismatch } from './types.ts';

/** One board (key) as the tracker keeps it: counters plus one Stream per topic. */
export interface Row {
  key: string;
  byMac: boolean;
  device: string | null;
  candidates: string[] | undefined;
  /** From the topic (a per-device topic): fixed, never re-attributed. */
  fixed: boolean;
  /** The roster device a birth with this row's MAC named. */
  claim: string | null;
  payloadGroup: string | null;
  payloadStudents: string[] | null;
  /** Set when the payload names a team the roster does not have: why it is not in this class. */
  foreign: string | null;
  temperature: number | null;
  streams: Map<string, Stream>;
  messages: number;
  valid: number;
  invalid: number;
  invalidByKind: Partial<Record<InvalidKind, number>>;
  firstError: DeviceStats['firstError'];
  firstSeen: number | null;
  lastSeen: number | null;
  lastPayload: unknown;
  dirty: boolean;
}

export interface StatusInfo {
  key: string;
  device: string | null;
  status: 'online' | 'offline';
  at: number;
  boot: string | null;
  connects: number | null;
}

export function newRow(identity: Identity): Row {
  return {
    key: identity.key, byMac: identity.byMac === true, device: identity.device ?? null, candidates: identity.candidates,
    fixed: identity.device !== undefined, claim: null, payloadGroup: null, payloadStudents: null, foreign: null, temperature: null, streams: new Map(), messages: 0, valid: 0, invalid: 0, invalidByKind: {}, firstError: null,
    firstSeen: null, lastSeen: null, lastPayload: undefined, dirty: false,
  };
}

/**
 * `team` is the roster device the row is (by topic, birth or payload). The mismatch is derived here,
 * not when the row is attributed, so a per-device topic (`$devices/<id>/events`, `DATA/team-2`),
 * which is never re-attributed, is checked against the roster too.
 */
export function rowStats(row: Row, status: StatusInfo | undefined, group: string | null, team: ResolvedDevice | undefined): DeviceStats {
  const mismatch = team && row.foreign === null ? teamMismatch(team, row.payloadGroup, row.payloadStudents) : null;
  return {
    key: row.key, device: row.device, group, students: row.payloadStudents, temperature: row.temperature, foreign: row.foreign, claim: row.foreign !== null ? row.claim : null, mismatch,
    topics: [...row.streams.keys()],
    messages: row.messages, valid: row.valid, invalid: row.invalid, invalidByKind: { ...row.invalidByKind },
    firstError: row.firstError, firstSeen: row.firstSeen, lastSeen: row.lastSeen,
    interval: poolIntervals(row.streams.values()), seq: poolSeq(row.streams.values()),
    ...statusFields(status), lastPayload: row.lastPayload ?? null,
  };
}

/** A board heard only on its status topic (online, but no telemetry yet). */
export function statusOnlyStats(info: StatusInfo, group: string | null): DeviceStats {
  return {
    key: info.key, device: info.device, group, students: null, temperature: null, foreign: null, claim: null, mismatch: null, topics: [], messages: 0, valid: 0, invalid: 0, invalidByKind: {},
    firstError: null, firstSeen: null, lastSeen: null, interval: poolIntervals([]), seq: null,
    ...statusFields(info), lastPayload: null,
  };
}

function statusFields(info: StatusInfo | undefined): Pick<DeviceStats, 'status' | 'statusAt' | 'boot' | 'connects'> {
  const status: DeviceStatus = info?.status ?? 'unknown';
  return { status, statusAt: info?.at ?? null, boot: info?.boot ?? null, connects: info?.connects ?? null };
}

/**
 * Whether a payload naming a team the roster does not have is still the team its birth names,
 * mistyped: it names no students, or exactly the team's students (so only the group is wrong), or the
 * roster lists none for the team. Any
 * other list may be another board using the name (a default lab's team-1): not this team.
 */
export function sameTeam(team: ResolvedDevice, students: string[]): boolean {
  const own = team.telemetry.students;
  // A roster team without students (the teacher did not list them) is whoever its birth names.
  return own.length === 0 || students.length === 0 || studentsKey(students) === studentsKey(own);
}

/**
 * A list of students as one key that ignores their order (and Unicode composition, invisible on
 * screen): the same people listed in another order are the same team, for every comparison the
 * tracker and grade make (attribution, mismatch), so one can never disagree with another.
 */
export function studentsKey(students: readonly string[]): string {
  return students.map((s) => s.normalize('NFC')).sort().join('\u0000');
}

/** Where a team's payload disagrees with the roster about who it is; null when it agrees. */
export function teamMismatch(team: ResolvedDevice, group: string | null, students: string[] | null): TeamMismatch | null {
  const expected = team.telemetry;
  const groupOff = group !== null && expected.group !== '' && group !== expected.group;
  const studentsOff = students !== null && expected.students.length > 0 && studentsKey(students) !== studentsKey(expected.students);
  if (!groupOff && !studentsOff) return null;
  return {
    group: groupOff ? { sent: group, expected: expected.group } : null,
    students: studentsOff ? { sent: students, expected: expected.students } : null,
  };
}

/** A board on both a {mac} topic and an id topic has two rows; count it once per device. Boards not in this class do not count. */
export function countBoards(rows: Iterable<Row>): number {
  const macs = new Map<string, number>();
  const byId = new Set<string>();
  let anonymous = 0;
  for (const row of rows) {
    if (row.messages === 0 || row.foreign !== null) continue;
    if (row.device === null) anonymous++;
    else if (row.byMac) macs.set(row.device, (macs.get(row.device) ?? 0) + 1);
    else byId.add(row.device);
  }
  let boards = anonymous;
  for (const count of macs.values()) boards += count;
  for (const device of byId) if (!macs.has(device)) boards++;
  return boards;
}
