// Validation and per-board statistics, pure: feed it (topic, payload, receivedAt) from any source.
// Never throws on a payload. The hot path is one Map lookup per message (topic → route), a fatal
// UTF-8 decode, JSON.parse and the compiled schema; per-message objects are the result only.
import type { ResolvedDevice } from '../config/types.ts';
import { loadPayloadValidator } from './schema.ts';
import { countBoards, newRow, rowStats, sameTeam, statusOnlyStats, studentsKey, type Row, type StatusInfo } from './rows.ts';
import { SeqState, Stream } from './stream.ts';
import { normalizeMac, watchTargets, type WatchTargets } from './topics.ts';
import type { ClientIdCollision, DeviceStats, Identity, InvalidKind, MessageResult, PayloadError, Snapshot, Totals } from './types.ts';

export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;
const ROUTE_LIMIT = 50_000;

export interface TrackerOptions {
  /** Project devices: their topics are watched and their names/groups label the rows. */
  devices?: ResolvedDevice[];
  /** Extra filters (kind 'telemetry', key = topic). Without devices and topics: every topic. */
  topics?: string[];
  /** Overrides the targets built from devices + topics. */
  targets?: WatchTargets;
  schemaPath?: string;
  /** Overrides schemaPath: returns null when valid. */
  validate?: (value: unknown) => PayloadError | null;
  maxPayloadBytes?: number;
  startedAt?: number;
}

interface Route {
  identity: Identity;
  row: Row | null;
  stream: Stream | null;
}

const err = (kind: InvalidKind, message: string): PayloadError => ({ kind, path: null, message, reason: message });
const EMPTY = err('empty', 'empty payload');
const NOT_UTF8 = err('not-utf8', 'not UTF-8 text');
const BAD_STATUS = err('schema', 'status payload must be JSON {"status": "online" | "offline", …}');
const teamKey = (group: string, students: string[]): string => `${group}\u0001${studentsKey(students)}`;
const sameList = (a: string[], b: string[] | null): boolean => b !== null && a.length === b.length && a.every((x, i) => x === b[i]);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class TelemetryTracker {
  readonly targets: WatchTargets;
  readonly startedAt: number;
  private readonly validate: (value: unknown) => PayloadError | null;
  private readonly maxBytes: number;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly rows = new Map<string, Row>();
  private readonly routes = new Map<string, Route>();
  private readonly statusByKey = new Map<string, StatusInfo>();
  /** Births and wills that name their MAC: the status of that board, whoever shares its status topic. */
  private readonly statusByMac = new Map<string, StatusInfo>();
  /** MAC → the roster device its birth named (a claim: the payload may still contradict it). */
  private readonly claimByMac = new Map<string, string>();
  private readonly statusByDevice = new Map<string, StatusInfo>();
  /** client id → MAC → (name, births, highest connects) from births that carry both. */
  private readonly births = new Map<string, Map<string, { name: string | null; births: number; connects: number }>>();
  private readonly roster = new Map<string, ResolvedDevice>();
  private readonly deviceGroup = new Map<string, string>();
  /** group → the one project device with it (null when several share the group). */
  private readonly groupDevice = new Map<string, string | null>();
  /** group + students → project device: the team a payload names. */
  private readonly studentsDevice = new Map<string, string>();
  private readonly dirty: Row[] = [];
  private readonly dirtyStatus = new Set<string>();
  private readonly counts = { messages: 0, valid: 0, invalid: 0, status: 0, replies: 0, other: 0 };
  private firstAt: number | null = null;
  private lastAt: number | null = null;

  constructor(options: TrackerOptions = {}) {
    const devices = options.devices ?? [];
    const topics = options.topics ?? [];
    this.targets = options.targets ?? watchTargets(devices, devices.length === 0 && topics.length === 0 ? ['#'] : topics);
    this.validate = options.validate ?? loadPayloadValidator(options.schemaPath).validate;
    this.maxBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.startedAt = options.startedAt ?? Date.now();
    for (const d of devices) {
      this.roster.set(d.name, d);
      if (d.telemetry.group === '') continue;
      this.deviceGroup.set(d.name, d.telemetry.group);
      this.groupDevice.set(d.telemetry.group, this.groupDevice.has(d.telemetry.group) ? null : d.name);
      this.studentsDevice.set(teamKey(d.telemetry.group, d.telemetry.students), d.name);
    }
  }

  ingest(topic: string, payload: Uint8Array, receivedAt: number): MessageResult {
    let route = this.routes.get(topic);
    if (!route) route = this.route(topic);
    const { identity, row, stream } = route;
    if (row && stream) return this.telemetry(topic, identity, row, stream, payload, receivedAt);
    if (identity.kind === 'other') {
      this.counts.other++;
      return { topic, kind: 'other', key: identity.key, device: identity.device ?? null, receivedAt, bytes: payload.length, valid: true, error: null, payload: undefined, seq: null };
    }
    const value = payload.length > 0 && payload.length <= this.maxBytes ? this.parse(payload) : undefined;
    let valid = isObject(value);
    if (identity.kind === 'status') {
      this.counts.status++;
      valid = isObject(value) && (value.status === 'online' || value.status === 'offline');
      if (valid) this.status(identity, value as Record<string, unknown>, receivedAt);
    } else {
      this.counts.replies++;
      if (valid && (value as Record<string, unknown>).cmd === 'ping') this.answered(identity, receivedAt);
    }
    const error = valid ? null : identity.kind === 'status' ? BAD_STATUS : err('not-json', 'reply must be a JSON object');
    return { topic, kind: identity.kind, key: identity.key, device: identity.device ?? null, receivedAt, bytes: payload.length, valid, error, payload: value, seq: null };
  }

  private route(topic: string): Route {
    if (this.routes.size >= ROUTE_LIMIT) this.routes.clear();
    const identity = this.targets.identify(topic);
    let row: Row | null = null;
    let stream: Stream | null = null;
    if (identity.kind === 'telemetry') {
      row = this.rows.get(identity.key) ?? null;
      if (!row) {
        row = newRow(identity);
        if (row.byMac) row.claim = this.claimByMac.get(row.key) ?? null;
        this.attribute(row);
        this.rows.set(identity.key, row);
      }
      stream = row.streams.get(topic) ?? null;
      if (!stream) row.streams.set(topic, (stream = new Stream()));
    }
    const route = { identity, row, stream };
    this.routes.set(topic, route);
    return route;
  }

  private parse(payload: Uint8Array): unknown {
    try {
      return JSON.parse(this.decoder.decode(payload));
    } catch {
      return undefined;
    }
  }

  private telemetry(topic: string, identity: Identity, row: Row, stream: Stream, payload: Uint8Array, at: number): MessageResult {
    this.counts.messages++;
    if (this.firstAt === null) this.firstAt = at;
    this.lastAt = at;
    row.messages++;
    if (row.firstSeen === null) row.firstSeen = at;
    row.lastSeen = at;
    stream.arrived(at);
    if (!row.dirty) {
      row.dirty = true;
      this.dirty.push(row);
    }
    let error: PayloadError | null = null;
    let value: unknown;
    const bytes = payload.length;
    if (bytes === 0) error = EMPTY;
    else if (bytes > this.maxBytes) error = err('too-large', `payload too large: ${bytes} bytes > ${this.maxBytes}`);
    else {
      let text: string | undefined;
      try {
        text = this.decoder.decode(payload);
      } catch {
        error = NOT_UTF8;
      }
      if (text !== undefined) {
        try {
          value = JSON.parse(text);
        } catch (e) {
          error = err('not-json', `not JSON: ${String((e as Error).message).slice(0, 120)}`);
        }
        if (!error) error = this.validate(value);
      }
    }
    let seq: number | null = null;
    if (isObject(value)) {
      const s = value.seq;
      if (typeof s === 'number' && Number.isInteger(s) && s >= 0) {
        seq = s;
        (stream.seq ??= new SeqState()).observe(s, at);
      }
      if (typeof value.temperature === 'number') row.temperature = value.temperature;
      // Invalid payloads still say whose they are: the row stays the team's, with the error on it.
      this.learnContent(row, value.group, value.students);
    }
    if (value !== undefined) row.lastPayload = value;
    if (error) {
      this.counts.invalid++;
      row.invalid++;
      row.invalidByKind[error.kind] = (row.invalidByKind[error.kind] ?? 0) + 1;
      row.firstError ??= { ...error, topic, at };
    } else {
      this.counts.valid++;
      row.valid++;
    }
    return { topic, kind: 'telemetry', key: identity.key, device: row.device, receivedAt: at, bytes, valid: error === null, error, payload: value, seq };
  }

  private learnContent(row: Row, group: unknown, students: unknown): void {
    const g = typeof group === 'string' ? group : null;
    const st = Array.isArray(students) && students.every((x) => typeof x === 'string') ? (students as string[]) : null;
    if (g === row.payloadGroup && (st === null || sameList(st, row.payloadStudents))) return;
    if (g !== null) row.payloadGroup = g;
    if (st !== null) row.payloadStudents = st;
    this.attribute(row);
  }

  /**
   * Which roster device a row is, in this order: its topic (a per-device topic); the team its payload
   * names (group + students); the birth that named its MAC, unless the payload names another team;
   * the only roster device of the payload's group. A payload naming a team the roster does not have
   * makes the row "not in this class" (two default labs both called team-1 are told apart this way).
   */
  private attribute(row: Row): void {
    if (row.fixed || this.roster.size === 0) return;
    const { payloadGroup: group, payloadStudents: students, claim } = row;
    const allowed = (d: string | null | undefined): d is string => d != null && (!row.candidates || row.candidates.includes(d));
    let device: string | null = null;
    let foreign: string | null = null;
    if (group !== null && students !== null) {
      const named = this.studentsDevice.get(teamKey(group, students));
      const claimed = allowed(claim) ? this.roster.get(claim) : undefined;
      const groupOnly = this.groupDevice.get(group);
      if (allowed(named)) device = named;
      // The board its birth names, with a typo in its group or students: that team's, failing.
      else if (claimed && sameTeam(claimed, students)) device = claim;
      // A roster that names no students for the group's only team: whoever sends for the group.
      else if (!claimed && allowed(groupOnly) && this.roster.get(groupOnly)?.telemetry.students.length === 0) device = groupOnly;
      else {
        const team = `${students.join(', ')} (${group})`;
        const birthTeam = claim !== null ? this.roster.get(claim) : undefined;
        foreign = birthTeam
          ? `not in this class: sends as ${team}, but its birth says ${claim}, which is ${birthTeam.telemetry.students.join(', ')} (${birthTeam.telemetry.group})`
          : `not in this class: no team ${team} on the roster`;
      }
    } else if (allowed(claim)) device = claim;
    else if (group !== null) {
      const only = this.groupDevice.get(group);
      if (allowed(only)) device = only;
      else if (!this.groupDevice.has(group)) foreign = `not in this class: group ${group} is not on the roster`;
    }
    row.device = device;
    row.foreign = foreign;
  }

  private status(identity: Identity, value: Record<string, unknown>, at: number): void {
    let device = identity.device ?? null;
    // A birth names its device: that settles which project device a shared {mac} topic belongs to.
    if (device === null && typeof value.name === 'string' && identity.candidates?.includes(value.name)) device = value.name;
    const online = value.status === 'online';
    // The birth's MAC links the board to its row on a shared {mac} topic (e.g. two boards of one group).
    const mac = typeof value.mac === 'string' && value.mac !== '' ? normalizeMac(value.mac) : null;
    if (mac !== null && device !== null && online && this.roster.has(device)) {
      this.claimByMac.set(mac, device);
      const row = this.rows.get(mac);
      if (row && row.byMac && row.claim !== device) {
        row.claim = device;
        this.attribute(row);
      }
    }
    const connects = typeof value.connects === 'number' ? value.connects : null;
    if (online && mac !== null && typeof value.cid === 'string' && value.cid !== '') this.birthOf(value.cid, mac, typeof value.name === 'string' ? value.name : null, connects ?? 1);
    const info: StatusInfo = { key: identity.key, device, status: online ? 'online' : 'offline', at, boot: typeof value.boot === 'string' ? value.boot : null, connects };
    const previous = (mac !== null ? this.statusByMac.get(mac) : undefined) ?? this.statusByKey.get(identity.key);
    if (!online && previous) Object.assign(info, { boot: previous.boot, connects: previous.connects, device: device ?? previous.device });
    if (mac !== null) {
      // Several boards may share this status topic (two labs both called team-1): the MAC says whose
      // it is for {mac} rows. Rows keyed by device id (IoT Core topics) can only go by the device.
      info.key = mac;
      this.statusByMac.set(mac, info);
    } else this.statusByKey.set(identity.key, info);
    if (info.device !== null) this.statusByDevice.set(info.device, info);
    this.dirtyStatus.add(info.key);
    for (const row of this.rows.values()) {
      const byDevice = info.device !== null && row.device === info.device && (mac === null || !row.byMac);
      if (row.key !== (mac ?? identity.key) && !byDevice) continue;
      if (row.device === null && info.device !== null && mac === null) row.device = info.device;
      if (!row.dirty) {
        row.dirty = true;
        this.dirty.push(row);
      }
      if (!online) continue;
      // Any birth: the next interval measures the outage. connects=1 (or unknown): a reboot.
      for (const s of row.streams.values()) {
        s.skipNextInterval = true;
        if (s.seq && (connects === null || connects <= 1)) s.seq.resetPending = connects === null ? 'maybe' : 'reboot';
      }
    }
  }

  /** A ping answered on a device's reply topic: online, when nothing better (a birth) is known. */
  private answered(identity: Identity, at: number): void {
    const device = identity.device;
    // status() files every status that names a device under statusByDevice too, MAC-keyed ones included.
    if (device === undefined || this.statusByDevice.has(device)) return;
    const info: StatusInfo = { key: identity.key, device, status: 'online', at, boot: null, connects: null };
    this.statusByKey.set(identity.key, info);
    this.statusByDevice.set(device, info);
    this.dirtyStatus.add(identity.key);
  }

  private birthOf(cid: string, mac: string, name: string | null, connects: number): void {
    let byMac = this.births.get(cid);
    if (!byMac) {
      if (this.births.size >= ROUTE_LIMIT) this.births.clear();
      this.births.set(cid, (byMac = new Map()));
    }
    const seen = byMac.get(mac) ?? { name, births: 0, connects: 0 };
    seen.births++;
    seen.connects = Math.max(seen.connects, connects);
    byMac.set(mac, seen);
  }

  /**
   * Two MACs born on one client id, and reconnecting: the broker keeps only the newest connection
   * with an id, so the boards kick each other out in turn (a board replaced by another one with the
   * same id, without reconnects, is not a collision).
   */
  private collisions(): ClientIdCollision[] {
    const out: ClientIdCollision[] = [];
    for (const [clientId, byMac] of this.births) {
      if (byMac.size < 2 || ![...byMac.values()].some((b) => b.connects >= 2)) continue;
      const boards = [...byMac].map(([mac, b]) => {
        const device = this.rows.get(mac)?.device ?? b.name;
        return device !== null ? `${device} (${mac})` : mac;
      });
      out.push({ clientId, boards, births: [...byMac.values()].reduce((n, b) => n + b.births, 0) });
    }
    return out;
  }

  private groupOf(device: string | null): string | null {
    return device !== null ? this.deviceGroup.get(device) ?? null : null;
  }

  private statusOf(row: { key: string; device: string | null; byMac?: boolean }): StatusInfo | undefined {
    const own = this.statusByMac.get(row.key) ?? this.statusByKey.get(row.key);
    if (own || row.device === null) return own;
    const byDevice = this.statusByDevice.get(row.device);
    // A {mac} row never takes another MAC's status (another board claiming the same name).
    return row.byMac && byDevice && this.statusByMac.get(byDevice.key) === byDevice ? undefined : byDevice;
  }

  private statsOf(row: Row): DeviceStats {
    return rowStats(row, this.statusOf(row), this.groupOf(row.device) ?? row.payloadGroup, row.device !== null ? this.roster.get(row.device) : undefined);
  }

  /** Rows for every board heard from: telemetry rows, then boards only seen on their status topic. */
  deviceStats(): DeviceStats[] {
    const out = [...this.rows.values()].map((row) => this.statsOf(row));
    for (const info of this.statusByKey.values()) {
      if (out.some((s) => s.key === info.key || (info.device !== null && s.device === info.device))) continue;
      out.push(statusOnlyStats(info, this.groupOf(info.device)));
    }
    for (const info of this.statusByMac.values()) {
      if (this.rows.has(info.key)) continue;
      // Online (or was) but no telemetry: shown as the roster device its birth named, unless that
      // device already has a row (another board claiming the same name — e.g. a default lab's
      // team-1 — is judged by its payload once it sends one). Boards off the roster that send
      // nothing are not shown: retained births and wills outlive them on a shared broker.
      const device = info.device !== null && this.roster.has(info.device) ? info.device : null;
      if (device === null || out.some((s) => s.device === device)) continue;
      out.push(statusOnlyStats({ ...info, device }, this.groupOf(device)));
    }
    return out;
  }

  /** Stats of rows that changed since the last call (for a throttled live table). */
  takeChanged(): DeviceStats[] {
    const all = this.dirtyStatus.size > 0 ? this.deviceStats() : [];
    const changed = this.dirty.map((row) => this.statsOf(row));
    for (const row of this.dirty) row.dirty = false;
    this.dirty.length = 0;
    for (const key of this.dirtyStatus) {
      const s = all.find((d) => d.key === key && d.messages === 0);
      if (s) changed.push(s);
    }
    this.dirtyStatus.clear();
    return changed;
  }

  snapshot(now: number = Date.now()): Snapshot {
    const devices = this.deviceStats();
    const seen = new Set(devices.map((d) => d.device));
    const totals: Totals = {
      ...this.counts,
      devices: devices.filter((d) => d.messages > 0).length,
      boards: countBoards(this.rows.values()),
      online: devices.filter((d) => d.status === 'online').length,
      offline: devices.filter((d) => d.status === 'offline').length,
      firstMessageAt: this.firstAt,
      lastMessageAt: this.lastAt,
    };
    const missing = this.targets.deviceNames.filter((n) => !seen.has(n)).map((device) => ({ device, group: this.deviceGroup.get(device) ?? null, students: this.roster.get(device)?.telemetry.students ?? [] }));
    return { at: now, startedAt: this.startedAt, devices, collisions: this.collisions(), missing, totals };
  }
}
