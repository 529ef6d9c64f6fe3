// Validation and per-board statistics, pure: feed it (topic, payload, receivedAt) from any source.
// Never throws on a payload. The hot path is one Map lookup per message (topic → route), a fatal
// UTF-8 decode, JSON.parse and the compiled schema; per-message objects are the result only.
import type { ResolvedDevice } from '../config/types.ts';
import { loadPayloadValidator } from './schema.ts';
import { countBoards, newRow, rowStats, statusOnlyStats, type Row, type StatusInfo } from './rows.ts';
import { SeqState, Stream } from './stream.ts';
import { normalizeMac, watchTargets, type WatchTargets } from './topics.ts';
import type { DeviceStats, Identity, InvalidKind, MessageResult, PayloadError, Snapshot, Totals } from './types.ts';

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
  /** MAC → project device, from births that carry both (a board's status topic names it by id). */
  private readonly deviceByMac = new Map<string, string>();
  private readonly statusByDevice = new Map<string, StatusInfo>();
  private readonly deviceGroup = new Map<string, string>();
  /** group → the one project device with it (null when several share the group). */
  private readonly groupDevice = new Map<string, string | null>();
  /** group + students → project device, for groups with several boards (students tell them apart). */
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
      if (d.telemetry.group === '') continue;
      this.deviceGroup.set(d.name, d.telemetry.group);
      this.groupDevice.set(d.telemetry.group, this.groupDevice.has(d.telemetry.group) ? null : d.name);
      this.studentsDevice.set(`${d.telemetry.group}\u0000${d.telemetry.students.join('\u0000')}`, d.name);
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
    } else this.counts.replies++;
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
        if (row.byMac && row.device === null) row.device = this.deviceByMac.get(row.key) ?? null;
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
        (stream.seq ??= new SeqState()).observe(s);
      }
      if (!error && typeof value.group === 'string') this.learnGroup(row, value.group, value.students);
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

  private learnGroup(row: Row, group: string, students: unknown): void {
    row.payloadGroup = group;
    if (row.device !== null) return;
    // One device of that group, or (several boards per group) the one with exactly these students.
    const device = this.groupDevice.get(group) ?? (Array.isArray(students) ? this.studentsDevice.get(`${group}\u0000${students.join('\u0000')}`) : undefined);
    if (device && (!row.candidates || row.candidates.includes(device))) row.device = device;
  }

  private status(identity: Identity, value: Record<string, unknown>, at: number): void {
    let device = identity.device ?? null;
    // A birth names its device: that settles which project device a shared {mac} topic belongs to.
    if (device === null && typeof value.name === 'string' && identity.candidates?.includes(value.name)) device = value.name;
    const online = value.status === 'online';
    // The birth's MAC links this device to its row on a shared {mac} topic (e.g. two boards of one group).
    if (device !== null && typeof value.mac === 'string' && value.mac !== '') {
      const mac = normalizeMac(value.mac);
      this.deviceByMac.set(mac, device);
      const row = this.rows.get(mac);
      if (row && row.byMac && row.device === null) row.device = device;
    }
    const connects = typeof value.connects === 'number' ? value.connects : null;
    const info: StatusInfo = { key: identity.key, device, status: online ? 'online' : 'offline', at, boot: typeof value.boot === 'string' ? value.boot : null, connects };
    const previous = this.statusByKey.get(identity.key);
    if (!online && previous) Object.assign(info, { boot: previous.boot, connects: previous.connects, device: device ?? previous.device });
    this.statusByKey.set(identity.key, info);
    if (info.device !== null) this.statusByDevice.set(info.device, info);
    this.dirtyStatus.add(identity.key);
    for (const row of this.rows.values()) {
      if (row.key !== identity.key && (info.device === null || row.device !== info.device)) continue;
      if (row.device === null && info.device !== null) row.device = info.device;
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

  private groupOf(device: string | null): string | null {
    return device !== null ? this.deviceGroup.get(device) ?? null : null;
  }

  private statusOf(key: string, device: string | null): StatusInfo | undefined {
    return this.statusByKey.get(key) ?? (device !== null ? this.statusByDevice.get(device) : undefined);
  }

  /** Rows for every board heard from: telemetry rows, then boards only seen on their status topic. */
  deviceStats(): DeviceStats[] {
    const out = [...this.rows.values()].map((row) => rowStats(row, this.statusOf(row.key, row.device), this.groupOf(row.device) ?? row.payloadGroup));
    for (const info of this.statusByKey.values()) {
      if (out.some((s) => s.key === info.key || (info.device !== null && s.device === info.device))) continue;
      out.push(statusOnlyStats(info, this.groupOf(info.device)));
    }
    return out;
  }

  /** Stats of rows that changed since the last call (for a throttled live table). */
  takeChanged(): DeviceStats[] {
    const all = this.dirtyStatus.size > 0 ? this.deviceStats() : [];
    const changed = this.dirty.map((row) => rowStats(row, this.statusOf(row.key, row.device), this.groupOf(row.device) ?? row.payloadGroup));
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
    const missing = this.targets.deviceNames.filter((n) => !seen.has(n)).map((device) => ({ device, group: this.deviceGroup.get(device) ?? null }));
    return { at: now, startedAt: this.startedAt, devices, missing, totals };
  }
}
