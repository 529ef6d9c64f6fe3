// Real MQTT.js clients against startBroker(), reduced to the outcomes the tests assert:
// connected or CONNACK code; publish acked or connection closed; granted QoS or 0x80.
import { after } from 'node:test';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { BrokerEvent } from '../../tools/broker/index.ts';

const clients = new Set<MqttClient>();
after(async () => {
  await Promise.all([...clients].map((c) => c.endAsync(true).catch(() => undefined)));
});

export type Opened = { ok: true; client: MqttClient } | { ok: false; code: number | undefined; message: string };

/** Connects once (no reconnects) and reports either the client or the refusal CONNACK code. */
export function open(url: string, options: IClientOptions = {}): Promise<Opened> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
  clients.add(client);
  return new Promise((resolve) => {
    client.once('connect', () => resolve({ ok: true, client }));
    client.once('error', (error) => resolve({ ok: false, code: (error as Error & { code?: number }).code, message: error.message }));
    client.once('close', () => resolve({ ok: false, code: undefined, message: 'closed before CONNACK' }));
  });
}

export async function openOrThrow(url: string, options: IClientOptions = {}): Promise<MqttClient> {
  const opened = await open(url, options);
  if (!opened.ok) throw new Error(`connect as ${options.username ?? 'anonymous'} failed: ${opened.code} ${opened.message}`);
  return opened.client;
}

export function closed(client: MqttClient): Promise<'closed'> {
  if (!client.connected) return Promise.resolve('closed');
  return new Promise((resolve) => client.once('close', () => resolve('closed')));
}

/**
 * Aedes answers a refused PUBLISH by dropping the connection (3.1.1 has no negative PUBACK), and
 * MQTT.js then never settles the publish promise (it waits for a reconnect), so race it against close.
 */
export async function publishOutcome(
  client: MqttClient,
  topic: string,
  payload: string,
  options: { qos?: 0 | 1 | 2; retain?: boolean } = {},
): Promise<'acked' | 'closed'> {
  const qos = options.qos ?? 1;
  const sent = client.publishAsync(topic, payload, { qos, retain: options.retain ?? false }).then(() => 'acked' as const);
  sent.catch(() => undefined); // rejected only when the test ends the client; the race already decided
  if (qos === 0) {
    // QoS 0 has no ack: the callback fires once written, so a refusal is only visible as the close.
    // The broker handles a connection's packets in order and drops it at a refused PUBLISH, so an
    // UNSUBACK to an UNSUBSCRIBE sent after it says the PUBLISH went through (no wall-clock window
    // that a loaded host could outlast; UNSUBSCRIBE has no authorization hook, so no event either).
    await sent;
    const answered = client.unsubscribeAsync(unique('probe')).then(() => 'acked' as const);
    answered.catch(() => undefined); // rejected only when the connection closed, which the race saw
    return Promise.race([closed(client), answered]);
  }
  return Promise.race([sent, closed(client)]);
}

/** The QoS the broker granted, or 128 (0x80) when it refused; MQTT.js rejects the promise on any 0x80. */
export async function grantedQos(client: MqttClient, topic: string, qos: 0 | 1 | 2 = 1): Promise<number> {
  try {
    const granted = await client.subscribeAsync(topic, { qos });
    return granted[0]?.qos ?? -1;
  } catch (error) {
    const packet = (error as { packet?: { granted?: number[] } }).packet;
    if (!packet?.granted) throw error;
    return packet.granted[0] ?? -1;
  }
}

export interface Recorder {
  messages: { topic: string; payload: string; retain: boolean }[];
  waitFor(payload: string, timeoutMs?: number): Promise<{ topic: string; payload: string; retain: boolean }>;
  /** Resolves true when nothing with this payload arrived within the window. */
  never(payload: string, windowMs?: number): Promise<boolean>;
}

export function record(client: MqttClient): Recorder {
  const messages: Recorder['messages'] = [];
  client.on('message', (topic, payload, packet) => messages.push({ topic, payload: payload.toString(), retain: packet.retain }));
  const find = (payload: string): Recorder['messages'][number] | undefined => messages.find((m) => m.payload === payload);
  return {
    messages,
    async waitFor(payload, timeoutMs = 15_000) {
      for (const until = Date.now() + timeoutMs; Date.now() < until; await delay(10)) {
        const hit = find(payload);
        if (hit) return hit;
      }
      throw new Error(`'${payload}' not delivered within ${timeoutMs} ms; got ${messages.map((m) => `${m.topic}=${m.payload}`).join(', ')}`);
    },
    async never(payload, windowMs = 200) {
      await delay(windowMs);
      return find(payload) === undefined;
    },
  };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let counter = 0;
/** Safe as a topic level too (no `#` or `+`). */
export const unique = (label: string): string => `${label}-${++counter}`;

export interface EventLog {
  events: BrokerEvent[];
  onEvent: (e: BrokerEvent) => void;
  refusals: () => Extract<BrokerEvent, { type: 'refused' }>[];
  /** Aedes emits clientReady/clientDisconnect after the CONNACK or close the client already saw, so wait. */
  waitFor<T extends BrokerEvent['type']>(type: T, clientId: string, timeoutMs?: number): Promise<Extract<BrokerEvent, { type: T }>>;
}

export function eventLog(): EventLog {
  const events: BrokerEvent[] = [];
  return {
    events,
    onEvent: (e) => events.push(e),
    refusals: () => events.filter((e): e is Extract<BrokerEvent, { type: 'refused' }> => e.type === 'refused'),
    async waitFor(type, clientId, timeoutMs = 15_000) {
      for (const until = Date.now() + timeoutMs; Date.now() < until; await delay(10)) {
        const hit = events.find((e) => e.type === type && 'clientId' in e && e.clientId === clientId);
        if (hit) return hit as Extract<BrokerEvent, { type: typeof type }>;
      }
      throw new Error(`no '${type}' event for ${clientId} within ${timeoutMs} ms`);
    },
  };
}
