// Shapes the harness hands out: per-message results, per-device stats, snapshots, verdicts.
// Everything here is plain data (JSON-serialisable) so `--json` can print it as is.

import type { ResolvedDevice } from '../config/types.ts';

export type TopicKind = 'telemetry' | 'status' | 'reply' | 'other';

/** Who sent a message, judged from its topic alone. */
export interface Identity {
  /** Project device name, when exactly one project device publishes on this topic. */
  device?: string;
  /** Stable per physical board: the MAC for `{mac}` topics, the device id for id topics, else the topic. */
  key: string;
  kind: TopicKind;
  /** Project devices that share this topic template (more than one: the payload's `group` decides). */
  candidates?: string[];
  /** The key is the board's MAC, captured from the topic's `{mac}` level. */
  byMac?: boolean;
}

/** Why a payload was refused. `schema` errors carry the JSON Pointer of the offending value. */
export type InvalidKind = 'empty' | 'too-large' | 'not-utf8' | 'not-json' | 'schema';

export interface PayloadError {
  kind: InvalidKind;
  /** JSON Pointer (`/temperature`, `` for the root) for schema errors; null otherwise. */
  path: string | null;
  message: string;
  /** One line for people: `/temperature must be number`, `not JSON: Unexpected token …`. */
  reason: string;
}

/** What became of one received message (the Watch emits it as 'message'). */
export interface MessageResult {
  topic: string;
  kind: TopicKind;
  key: string;
  device: string | null;
  receivedAt: number;
  bytes: number;
  /** Telemetry: passed the schema. Status/reply: parsed as the expected JSON object. */
  valid: boolean;
  error: PayloadError | null;
  /** Parsed JSON when it parsed (also for schema-invalid payloads). */
  payload: unknown;
  seq: number | null;
}

export interface SeqStats {
  last: number | null;
  /** Numbers never received (a late arrival is taken off again). */
  missing: number;
  /** The first missing numbers, for the report (at most 20). */
  missingSample: number[];
  duplicates: number;
  /** Reboots seen (birth with connects=1, or seq back to 0); never counted as gaps. */
  resets: number;
  /** When the newest resets (at most 16) were seen, oldest first: a crash loop is judged on these. */
  recentResets: number[];
}

export interface IntervalStats {
  /** Number of intervals measured (messages − 1 per topic, minus intervals spanning a birth). */
  samples: number;
  meanMs: number | null;
  /** Population standard deviation of the intervals, ms. */
  jitterMs: number | null;
  minMs: number | null;
  maxMs: number | null;
}

/** What a team's payload says about who it is, against the roster (each part null when it agrees). */
export interface TeamMismatch {
  group: { sent: string; expected: string } | null;
  students: { sent: string[]; expected: string[] } | null;
}

export type DeviceStatus = 'online' | 'offline' | 'unknown';

export interface DeviceStats {
  key: string;
  device: string | null;
  group: string | null;
  /** Students named by the last payload that carried them. */
  students: string[] | null;
  /** The last numeric `temperature` received. */
  temperature: number | null;
  /**
   * With a roster: why this board is not in this class (its payload names a team the roster does
   * not have). Such boards are shown, never judged healthy and never make the class pass.
   */
  foreign: string | null;
  /**
   * With a roster: the board is this team's (its payload's students, or its birth, say so) but its
   * payload names the team differently from the roster (a typo in the group, students left out).
   * Such a board fails until its payload says what the roster says.
   */
  mismatch: TeamMismatch | null;
  /** For a board not in this class: the roster device its birth names (its payload names another team). */
  claim: string | null;
  topics: string[];
  messages: number;
  valid: number;
  invalid: number;
  invalidByKind: Partial<Record<InvalidKind, number>>;
  /** The first invalid payload (kept: later ones usually repeat it). */
  firstError: (PayloadError & { topic: string; at: number }) | null;
  firstSeen: number | null;
  lastSeen: number | null;
  interval: IntervalStats;
  /** Null until a payload carried an integer `seq`. */
  seq: SeqStats | null;
  status: DeviceStatus;
  statusAt: number | null;
  /** From the last birth message: `{"status": "online", "boot": …, "connects": …}`. */
  boot: string | null;
  connects: number | null;
  /** The last payload that parsed as JSON (valid or not); garbage after it does not replace it. */
  lastPayload: unknown;
}

export interface Totals {
  messages: number;
  valid: number;
  invalid: number;
  status: number;
  replies: number;
  other: number;
  /** Rows that sent telemetry. */
  devices: number;
  /** Physical boards seen sending telemetry (a board on both a {mac} and an id topic counts once). */
  boards: number;
  online: number;
  offline: number;
  firstMessageAt: number | null;
  lastMessageAt: number | null;
}

/** One client id used by several boards: the broker disconnects one whenever another connects. */
export interface ClientIdCollision {
  clientId: string;
  /** Labels of the boards, `team-1 (240ac4123456)`. */
  boards: string[];
  /** Births (connects) seen from these boards on this client id. */
  births: number;
}

export interface Snapshot {
  at: number;
  startedAt: number;
  devices: DeviceStats[];
  /** Client ids used by more than one board (from the births' `cid` and `mac`). */
  collisions: ClientIdCollision[];
  /** Project devices with no row at all (nothing heard from them). */
  missing: { device: string; group: string | null; students: string[] }[];
  totals: Totals;
}

export interface EvaluateOptions {
  /** Boards that must be seen sending telemetry; default: every project device (when known). */
  expectDevices?: number;
  /** Telemetry messages each device must send; default 1. */
  minMessages?: number;
  /** Invalid payloads allowed per device; default 0. */
  maxInvalid?: number;
  /** Fail devices whose last status is offline (unknown passes: births are not retained). */
  requireOnline?: boolean;
  /** Lost seq numbers allowed per device; default: not checked. */
  maxMissing?: number;
  /** The roster: a board publishing far faster than its device's interval fails (see rate.ts). */
  devices?: ResolvedDevice[];
}

export interface DeviceVerdict {
  key: string;
  device: string | null;
  group: string | null;
  passed: boolean;
  reasons: string[];
  /** Set for a board that is not in this class (see DeviceStats.foreign): never passed, never a reason. */
  foreign?: string;
}

export interface Verdict {
  passed: boolean;
  /** Every failure as a sentence naming the device; fleet-level ones first. */
  reasons: string[];
  /** Fleet-level failures (device count, nothing received, missing project devices). */
  fleetReasons: string[];
  devices: DeviceVerdict[];
}

export interface VerifyResult {
  verdict: Verdict;
  snapshot: Snapshot;
}
