// Which topics to subscribe for a project, and who sent a message judging by its topic.
// {mac} is only known on the board, so a topic level holding {mac} becomes `+` in the filter and a
// capture group in the matcher; the other placeholders are expanded exactly as the renderer does.
import { expandBuildTime } from '../config/placeholders.ts';
import type { ResolvedDevice } from '../config/types.ts';
import type { Identity, TopicKind } from './types.ts';

export interface WatchTargets {
  /** Subscription filters, deduplicated (a filter covered by another one is dropped). */
  filters: string[];
  identify(topic: string): Identity;
  /** Project device names, in roster order. */
  deviceNames: string[];
}

interface Template {
  kind: Exclude<TopicKind, 'other'>;
  expanded: string;
  /** Null for literal topics (matched through a Map instead). */
  regex: RegExp | null;
  devices: ResolvedDevice[];
}

const MAC = '{mac}';
// Checked in this order: a status or reply topic is never mistaken for telemetry.
const KIND_ORDER = ['status', 'reply', 'telemetry'] as const;
const CACHE_LIMIT = 50_000;

/** The subscription filter for one topic template of a device: `DATA/{mac}` → `DATA/+`. */
export function topicFilter(template: string, device: ResolvedDevice): string {
  return expandBuildTime(template, device).split('/').map((level) => (level.includes(MAC) ? '+' : level)).join('/');
}

/** `24:0A:C4:12:34:56`, `240AC4123456`, `24-0a-…` → `240ac4123456`; anything else unchanged. */
export function normalizeMac(text: string): string {
  if (/^[0-9a-f]{12}$/i.test(text) || /^[0-9a-f]{2}([:-])(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}$/i.test(text)) {
    return text.replace(/[:-]/g, '').toLowerCase();
  }
  return text;
}

/** MQTT topic matching; wildcards in the first level do not match `$…` topics (MQTT 3.1.1 §4.7.2). */
export function filterMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  const f = filter.split('/');
  const t = topic.split('/');
  if ((f[0] === '+' || f[0] === '#') && topic.startsWith('$')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** True when every topic matched by `b` is also matched by `a`. */
export function filterCovers(a: string, b: string): boolean {
  const x = a.split('/');
  const y = b.split('/');
  if ((x[0] === '+' || x[0] === '#') && b.startsWith('$')) return false;
  for (let i = 0; i < x.length; i++) {
    if (x[i] === '#') return true;
    if (i >= y.length || y[i] === '#') return false;
    if (x[i] !== '+' && (y[i] === '+' || x[i] !== y[i])) return false;
  }
  return x.length === y.length;
}

function dedupe(filters: string[]): string[] {
  const unique = [...new Set(filters)];
  return unique.filter((f, i) => !unique.some((g, j) => j !== i && filterCovers(g, f) && (!filterCovers(f, g) || j < i)));
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Filters and matcher for a project's devices plus extra `--topic` filters (kind 'telemetry',
 * key = the concrete topic). Without devices and extras nothing is subscribed.
 */
export function watchTargets(devices: ResolvedDevice[], extraTopics: string[] = []): WatchTargets {
  const templates = new Map<string, Template>();
  const add = (kind: Template['kind'], template: string, device: ResolvedDevice): void => {
    const expanded = expandBuildTime(template, device);
    const id = `${kind}\0${expanded}`;
    const existing = templates.get(id);
    if (existing) {
      if (!existing.devices.includes(device)) existing.devices.push(device);
      return;
    }
    const regex = expanded.includes(MAC) ? new RegExp(`^${expanded.split(MAC).map(escapeRegex).join('([^/]+)')}$`) : null;
    templates.set(id, { kind, expanded, regex, devices: [device] });
  };
  for (const device of devices) {
    add('status', device.mqtt.statusTopic, device);
    add('reply', device.mqtt.replyTopic, device);
    for (const topic of device.telemetry.topics) add('telemetry', topic, device);
  }
  const ordered = KIND_ORDER.flatMap((kind) => [...templates.values()].filter((t) => t.kind === kind));
  const literal = new Map<string, Template>();
  for (const t of ordered) if (!t.regex && !literal.has(t.expanded)) literal.set(t.expanded, t);
  const patterns = ordered.filter((t) => t.regex);

  const filters = dedupe([
    ...ordered.map((t) => t.expanded.split('/').map((level) => (level.includes(MAC) ? '+' : level)).join('/')),
    ...extraTopics,
  ]);

  const describe = (t: Template, topic: string, mac: string | undefined): Identity => {
    const only = t.devices.length === 1 ? t.devices[0] : undefined;
    const key = mac !== undefined ? normalizeMac(mac) : only ? only.identity.deviceId : topic;
    const identity: Identity = { key, kind: t.kind };
    if (mac !== undefined) identity.byMac = true;
    if (only) identity.device = only.name;
    else identity.candidates = t.devices.map((d) => d.name);
    return identity;
  };

  // identify() runs once per message: remember answers per topic (bounded; a fleet has few topics).
  const cache = new Map<string, Identity>();
  const resolve = (topic: string): Identity => {
    const hit = literal.get(topic);
    if (hit) return describe(hit, topic, undefined);
    for (const t of patterns) {
      const m = t.regex?.exec(topic);
      if (m) return describe(t, topic, m[1]);
    }
    if (extraTopics.some((f) => filterMatches(f, topic))) return { key: topic, kind: 'telemetry' };
    return { key: topic, kind: 'other' };
  };
  return {
    filters,
    deviceNames: devices.map((d) => d.name),
    identify(topic) {
      let identity = cache.get(topic);
      if (!identity) {
        if (cache.size >= CACHE_LIMIT) cache.clear();
        identity = resolve(topic);
        cache.set(topic, identity);
      }
      return identity;
    },
  };
}

