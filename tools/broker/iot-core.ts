// Yandex IoT Core topic rules as pure functions (DESIGN.md "Yandex IoT Core model", protocols.md §7).
// A device talks up through events/state and listens on commands/config; a registry is the mirror
// image over its own devices. Everything is expressed as "roots": a root covers itself and every
// subtopic below it, e.g. `$devices/A/events` covers `$devices/A/events/reply`.
import { InputError, type InputIssue } from '../errors.ts';
import type { Identity, IotCoreConfig, IotCoreDevice, IotCoreRegistry } from './types.ts';

/** IoT Core's documented per-message limit. */
export const IOT_CORE_MAX_MESSAGE_BYTES = 256 * 1024;

export interface IotCoreModel {
  devices: Map<string, IotCoreDevice>;
  registries: Map<string, IotCoreRegistry>;
  /** Registry id → its device ids (also for registries only named by a device's registryId). */
  devicesByRegistry: Map<string, string[]>;
  /** Normalized SHA-256 fingerprint → who owns the certificate. */
  byFingerprint: Map<string, { kind: 'device' | 'registry'; id: string }>;
}

export interface TopicGrants {
  publish: string[];
  receive: string[];
  publishRule: string;
  subscribeRule: string;
}

/** `AB:cd:…` and `abcd…` name the same certificate. */
export function normalizeFingerprint(fingerprint: string): string {
  return fingerprint.replace(/[\s:]/g, '').toUpperCase();
}

/** Ids become topic levels, so a `/`, `+`, `#` or NUL in one would silently widen a rule. */
function badId(id: string): string | null {
  if (id.length === 0) return 'is empty';
  if (/[/+#\0]/.test(id)) return `contains '/', '+', '#' or NUL ('${id}')`;
  return null;
}

export function buildIotCoreModel(config: IotCoreConfig): IotCoreModel {
  const issues: InputIssue[] = [];
  const model: IotCoreModel = { devices: new Map(), registries: new Map(), devicesByRegistry: new Map(), byFingerprint: new Map() };
  // Device and registry ids share the username space, so one id may name only one entity.
  const owner = new Map<string, string>();
  const claim = (id: string, path: string): boolean => {
    const problem = badId(id);
    if (problem) issues.push({ path, message: `id ${problem}`, severity: 'error' });
    const previous = owner.get(id);
    if (previous) issues.push({ path, message: `id '${id}' is already used at ${previous}`, severity: 'error' });
    owner.set(id, path);
    return !problem && !previous;
  };
  const addFingerprint = (fingerprint: string | undefined, kind: 'device' | 'registry', id: string, path: string): void => {
    if (!fingerprint) return;
    const key = normalizeFingerprint(fingerprint);
    if (!/^[0-9A-F]{64}$/.test(key)) {
      issues.push({ path: `${path}.certFingerprint`, message: 'expected a SHA-256 fingerprint (64 hex digits)', value: fingerprint, severity: 'error' });
    } else if (model.byFingerprint.has(key)) {
      issues.push({ path: `${path}.certFingerprint`, message: 'this certificate is already registered to another entity', severity: 'error' });
    } else model.byFingerprint.set(key, { kind, id });
  };

  config.registries.forEach((registry, i) => {
    const path = `iotCore.registries[${i}]`;
    if (!claim(registry.id, path)) return;
    model.registries.set(registry.id, registry);
    model.devicesByRegistry.set(registry.id, []);
    addFingerprint(registry.certFingerprint, 'registry', registry.id, path);
  });
  config.devices.forEach((device, i) => {
    const path = `iotCore.devices[${i}]`;
    if (!claim(device.id, path)) return;
    model.devices.set(device.id, device);
    addFingerprint(device.certFingerprint, 'device', device.id, path);
    if (device.registryId === undefined) return;
    const problem = badId(device.registryId);
    if (problem) {
      issues.push({ path: `${path}.registryId`, message: `registry id ${problem}`, severity: 'error' });
      return;
    }
    const list = model.devicesByRegistry.get(device.registryId) ?? [];
    list.push(device.id);
    model.devicesByRegistry.set(device.registryId, list);
  });
  if (issues.length > 0) throw new InputError('invalid IoT Core broker configuration', issues);
  return model;
}

const under = (prefix: string, leaves: string[]): string[] => leaves.map((leaf) => `${prefix}/${leaf}`);

/** What an authenticated device or registry may publish to and receive from. */
export function grantsFor(identity: Exclude<Identity, { kind: 'user' }>, model: IotCoreModel): TopicGrants {
  const tail = ' (and their subtopics)';
  if (identity.kind === 'device') {
    const rid = identity.registryId;
    const own = `$devices/${identity.id}`;
    const reg = rid === null ? null : `$registries/${rid}`;
    const also = reg ? ` and ${reg}/` : '';
    return {
      publish: [...under(own, ['events', 'state']), ...(reg ? under(reg, ['events', 'state']) : [])],
      receive: [...under(own, ['commands', 'config']), ...(reg ? under(reg, ['commands', 'config']) : [])],
      publishRule: `IoT Core: device '${identity.id}' may publish only to ${own}/events|state${reg ? `${also}events|state` : ''}${tail}`,
      subscribeRule: `IoT Core: device '${identity.id}' may subscribe only to ${own}/commands|config${reg ? `${also}commands|config` : ''}${tail}`,
    };
  }
  const devices = model.devicesByRegistry.get(identity.id) ?? [];
  const reg = `$registries/${identity.id}`;
  const ofDevices = devices.length > 0 ? `of its devices (${devices.join(', ')})` : '(it has no devices)';
  return {
    publish: [...devices.flatMap((d) => under(`$devices/${d}`, ['commands', 'config'])), ...under(reg, ['commands', 'config'])],
    receive: [...devices.flatMap((d) => under(`$devices/${d}`, ['events', 'state'])), ...under(reg, ['events', 'state'])],
    publishRule: `IoT Core: registry '${identity.id}' may publish only to $devices/<id>/commands|config ${ofDevices} and ${reg}/commands|config${tail}`,
    subscribeRule:
      `IoT Core: registry '${identity.id}' may subscribe only to $devices/<id>/events|state ${ofDevices} and ${reg}/events|state${tail};` +
      ' a wildcard is accepted when it can match one of them, and delivers only those',
  };
}

/** True when a concrete topic is one of the roots or below one. */
export function topicWithin(topic: string, roots: string[]): boolean {
  return roots.some((root) => topic === root || topic.startsWith(`${root}/`));
}

/**
 * Whether a subscription filter can match the root or something below it. Per [MQTT-4.7.2-1] a
 * filter starting with a wildcard never matches a `$` topic, so `#` reaches none of our roots.
 */
export function filterReaches(filter: string, root: string): boolean {
  const f = filter.split('/');
  const r = root.split('/');
  if ((f[0] === '#' || f[0] === '+') && root.startsWith('$')) return false;
  for (let i = 0; i < r.length; i++) {
    const level = f[i];
    if (level === undefined) return false; // the filter ends above the root: it matches only shorter topics
    if (level === '#') return true;
    if (level !== '+' && level !== r[i]) return false;
  }
  return true; // the root's levels all match; whatever the filter adds stays below the root
}

const QOS2_RULE = 'IoT Core supports QoS 0 and 1 only; QoS 2 is refused';
const RETAIN_RULE = 'IoT Core does not support retained messages';
const SIZE_RULE = `IoT Core limits a message to ${IOT_CORE_MAX_MESSAGE_BYTES / 1024} KB`;

/** The rule a publish breaks, or null when it is allowed. */
export function publishRefusal(grants: TopicGrants, packet: { topic: string; qos: number; retain: boolean; payload: Buffer | string }): string | null {
  if (packet.qos === 2) return QOS2_RULE;
  if (packet.retain) return RETAIN_RULE;
  if (Buffer.byteLength(packet.payload) > IOT_CORE_MAX_MESSAGE_BYTES) return SIZE_RULE;
  if (!topicWithin(packet.topic, grants.publish)) return grants.publishRule;
  return null;
}

/** The rule a subscription breaks, or null when it is allowed. */
export function subscribeRefusal(grants: TopicGrants, sub: { topic: string; qos: number }): string | null {
  if (sub.qos === 2) return QOS2_RULE;
  if (!grants.receive.some((root) => filterReaches(sub.topic, root))) return grants.subscribeRule;
  return null;
}

/** IoT Core's per-device rate: 1 message per second; a token bucket lets a short burst through. */
export interface RateLimit {
  perSecond: number;
  /** Messages a device that has been quiet may send at once (birth + state + a buffered payload on reconnect). */
  burst: number;
}
export const IOT_CORE_RATE: RateLimit = { perSecond: 1, burst: 5 };

export const rateRule = (limit: RateLimit): string =>
  `IoT Core: at most ${limit.perSecond} message${limit.perSecond === 1 ? '' : 's'} per second per device (bursts of ${limit.burst}); this one was dropped, the connection kept`;

/** One token bucket per key; take(key) is false when the key is over its rate. */
export function createRateLimiter(limit: RateLimit, now: () => number = Date.now): { take(key: string): boolean } {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key) {
      const t = now();
      const b = buckets.get(key) ?? { tokens: limit.burst, at: t };
      b.tokens = Math.min(limit.burst, b.tokens + ((t - b.at) / 1000) * limit.perSecond);
      b.at = t;
      buckets.set(key, b);
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
  };
}
