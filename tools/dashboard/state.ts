// What the page shows, computed from the harness's own snapshot, verdict and grades (the same code
// `watch`, `verify` and `grade` print from): one card per roster device, boards not in the class
// apart, the grade table. Pure: plain JSON out, so the page only lays it out.
import type { ResolvedDevice } from '../config/types.ts';
import { evaluate, gradeTeams, gradingPlan, speakingRow, type ClassGrades, type DeviceStats, type Language, type Snapshot } from '../harness/index.ts';

export type Presence = 'online' | 'offline' | 'silent';

export interface Card {
  /** Stable id of the card: the roster device's name (heard or not), else the row key. */
  id: string;
  device: string | null;
  /** The harness row key: MAC, device id or topic. */
  key: string | null;
  students: string[];
  group: string | null;
  /** Board profile id (esp32, esp8266…) from the project; null off the roster. */
  board: string | null;
  presence: Presence;
  /** Since when the presence holds (ms epoch); null when unknown. */
  since: number | null;
  temperature: number | null;
  /** The last payload that parsed, as compact JSON (clipped). */
  lastPayload: string | null;
  messages: number;
  invalid: number;
  firstError: string | null;
  seqMissing: number;
  intervalMs: number | null;
  jitterMs: number | null;
  lastSeen: number | null;
  /** The team's grade so far (roster cards), else null. */
  passed: boolean | null;
  reason: string | null;
  /** Why the board is not in this class (foreign cards). */
  foreign: string | null;
  /** Commands can be addressed to it (a roster device). */
  commandable: boolean;
}

export interface DashboardState {
  at: number;
  startedAt: number;
  broker: string;
  connection: string;
  commands: boolean;
  cards: Card[];
  foreign: Card[];
  grades: ClassGrades;
  collisions: string[];
  totals: { boards: number; online: number; offline: number; silent: number; messages: number; invalid: number };
}

/** A board that sent nothing for this many intervals is silent (a dead loop, a lost Wi-Fi). */
const SILENT_INTERVALS = 3;
const DEFAULT_INTERVAL_MS = 10_000;
const PAYLOAD_CHARS = 160;

function presenceOf(d: DeviceStats | undefined, expectedMs: number, now: number, startedAt: number): { presence: Presence; since: number | null } {
  if (!d) return { presence: 'silent', since: startedAt };
  if (d.status === 'offline') return { presence: 'offline', since: d.statusAt };
  if (d.messages === 0 && d.status !== 'online') return { presence: 'silent', since: startedAt };
  // Online by its birth but sending nothing (a stuck loop, a dead sensor) is silent all the same.
  const heardAt = d.lastSeen ?? d.statusAt ?? startedAt;
  const slack = Math.max(expectedMs, d.interval.meanMs ?? 0) * SILENT_INTERVALS;
  if (now - heardAt > slack) return { presence: 'silent', since: heardAt };
  return { presence: 'online', since: d.status === 'online' ? d.statusAt : d.firstSeen };
}

function payloadText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = JSON.stringify(value);
  return text.length > PAYLOAD_CHARS ? `${text.slice(0, PAYLOAD_CHARS - 1)}…` : text;
}

function card(d: DeviceStats | undefined, device: ResolvedDevice | undefined, now: number, startedAt: number): Omit<Card, 'passed' | 'reason'> {
  const expectedMs = device ? device.telemetry.intervalSeconds * 1000 : DEFAULT_INTERVAL_MS;
  const { presence, since } = presenceOf(d, expectedMs, now, startedAt);
  return {
    id: device?.name ?? d?.key ?? '?',
    device: d?.device ?? device?.name ?? null,
    key: d?.key ?? null,
    students: device?.telemetry.students ?? d?.students ?? [],
    group: device?.telemetry.group ?? d?.group ?? null,
    board: device?.board.id ?? null,
    presence,
    since,
    temperature: d?.temperature ?? null,
    lastPayload: payloadText(d?.lastPayload),
    messages: d?.messages ?? 0,
    invalid: d?.invalid ?? 0,
    firstError: d?.firstError?.reason ?? null,
    seqMissing: d?.seq?.missing ?? 0,
    intervalMs: d?.interval.meanMs ?? null,
    jitterMs: d?.interval.jitterMs ?? null,
    lastSeen: d?.lastSeen ?? null,
    foreign: d?.foreign ?? null,
    commandable: device !== undefined,
  };
}

/** The row that speaks for a roster device, as the grade picks it. */
const rowOf = (snapshot: Snapshot, name: string): DeviceStats | undefined => speakingRow(snapshot.devices.filter((d) => d.device === name && d.foreign === null));

export interface StateInput {
  snapshot: Snapshot;
  devices: ResolvedDevice[];
  language: Language;
  broker: string;
  connection: string;
  commands: boolean;
  collisions: string[];
}

export function dashboardState(input: StateInput): DashboardState {
  const { snapshot, devices } = input;
  const now = snapshot.at;
  const plan = gradingPlan(devices);
  const grades = gradeTeams(snapshot, devices, { language: input.language, minMessages: plan.minMessages });
  const byName = new Map(grades.teams.map((t) => [t.device, t]));
  const cards: Card[] = devices.map((device) => {
    const team = byName.get(device.name);
    return { ...card(rowOf(snapshot, device.name), device, now, snapshot.startedAt), passed: team?.passed ?? null, reason: team?.reasons[0] ?? null };
  });
  const rosterKeys = new Set(cards.map((c) => c.key));
  // Without a project every board is its own card, judged by the verdict code of `verify`.
  const verdict = devices.length === 0 ? evaluate(snapshot) : null;
  const others = snapshot.devices.filter((d) => !rosterKeys.has(d.key) && (d.messages > 0 || d.foreign !== null) && (d.device === null || d.foreign !== null));
  const loose = others.map((d): Card => {
    const judged = verdict?.devices.find((v) => v.key === d.key);
    return { ...card(d, undefined, now, snapshot.startedAt), passed: judged ? judged.passed : null, reason: judged?.reasons[0] ?? null };
  });
  const all = devices.length === 0 ? loose : cards;
  const foreign = devices.length === 0 ? [] : loose;
  const count = (p: Presence): number => all.filter((c) => c.presence === p).length;
  return {
    at: now,
    startedAt: snapshot.startedAt,
    broker: input.broker,
    connection: input.connection,
    commands: input.commands,
    cards: all,
    foreign,
    grades,
    collisions: input.collisions,
    totals: { boards: all.length, online: count('online'), offline: count('offline'), silent: count('silent'), messages: snapshot.totals.messages, invalid: snapshot.totals.invalid },
  };
}
