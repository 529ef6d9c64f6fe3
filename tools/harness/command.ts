// Command round trip: publish {"id", "cmd", "args"} to a device's (or a registry's) command topic
// and wait for the reply carrying the same id (firmware/README.md "Commands").
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DeviceError, InputError } from '../errors.ts';
import { brokerError, connectOnce, endClient, publishAcked, safeUrl, type MqttOptions } from './client.ts';

export interface CommandReply {
  id: string | number | null;
  cmd: string | null;
  ok: boolean;
  result?: unknown;
  error?: string;
  [field: string]: unknown;
}

export interface SendCommandOptions {
  url: string;
  /** The device that must answer; its default reply topic is `$devices/<deviceId>/events/reply`. */
  deviceId?: string;
  /** Publish to `$registries/<registryId>/commands` (every device of the registry) instead. */
  registryId?: string;
  command: string;
  args?: Record<string, unknown>;
  /** Default 5000 ms, counted from the publish. */
  timeoutMs?: number;
  /** Reply topic or filter; default `$devices/<deviceId>/events/reply` (`$devices/+/events/reply` for a registry without deviceId). */
  replyTopic?: string;
  /** Command topic override (a project with custom topics). */
  commandTopic?: string;
  /** Request id; default a fresh random one. */
  id?: string;
  qos?: 0 | 1;
  mqttOptions?: MqttOptions;
  connectTimeoutMs?: number;
}

export interface CommandRoundTrip {
  reply: CommandReply;
  /** From the publish call to the reply's arrival, milliseconds. */
  rttMs: number;
  id: string;
  commandTopic: string;
  replyTopic: string;
}

/** The firmware's answer to a command it does not know (`send` with a typo, a board older than the command). */
export function isUnknownCommand(error: unknown): boolean {
  return typeof error === 'string' && error.startsWith('unknown command');
}

export function newRequestId(): string {
  return `mpy-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** One command of a batch: where it goes and what answers it (defaults as in SendCommandOptions). */
export interface CommandRequest {
  deviceId?: string;
  registryId?: string;
  command: string;
  args?: Record<string, unknown>;
  replyTopic?: string;
  commandTopic?: string;
  id?: string;
}

/** A batch's answer per request, in request order: the round trip, or why there is none. */
export type CommandOutcome = ({ ok: true } & CommandRoundTrip) | { ok: false; error: DeviceError; id: string; commandTopic: string; replyTopic: string };

/**
 * Subscribes to the reply topic first (a fast device cannot answer before we listen), publishes,
 * and resolves with the first reply whose id matches. A reply with "ok": false still resolves:
 * the device answered. Rejects with DeviceError (exit 3) on timeout or transport failure.
 */
export async function sendCommand(options: SendCommandOptions): Promise<CommandRoundTrip> {
  const { url, mqttOptions, timeoutMs, qos, connectTimeoutMs, ...request } = options;
  const [outcome] = await sendCommands([request], {
    url,
    ...(mqttOptions ? { mqttOptions } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(qos !== undefined ? { qos } : {}),
    ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
  });
  if (!outcome!.ok) throw outcome!.error;
  const { ok: _ok, ...trip } = outcome!;
  return trip;
}

/**
 * The same round trip for several commands over one connection (a verdict for each board of a
 * class is one connect, not 30): every reply topic is subscribed first, the commands are published
 * in order, and each waits `timeoutMs` from its own publish for its reply. A missing reply is that
 * request's DeviceError, not the batch's; a refused subscription or a dropped connection rejects all.
 */
export async function sendCommands(
  requests: CommandRequest[],
  options: { url: string; mqttOptions?: MqttOptions; timeoutMs?: number; qos?: 0 | 1; connectTimeoutMs?: number },
): Promise<CommandOutcome[]> {
  const { url } = options;
  const timeoutMs = options.timeoutMs ?? 5000;
  const planned = requests.map((r) => {
    if (!r.deviceId && !r.registryId) throw new InputError('sendCommand needs a deviceId or a registryId');
    const body: Record<string, unknown> = { id: r.id ?? newRequestId(), cmd: r.command };
    if (r.args !== undefined) body.args = r.args;
    return {
      request: r,
      id: body.id as string,
      body,
      commandTopic: r.commandTopic ?? (r.registryId ? `$registries/${r.registryId}/commands` : `$devices/${r.deviceId}/commands`),
      replyTopic: r.replyTopic ?? (r.deviceId ? `$devices/${r.deviceId}/events/reply` : '$devices/+/events/reply'),
    };
  });
  const waiting = new Map<string, (reply: CommandReply, at: number) => void>();
  const client = await connectOnce(url, options.mqttOptions, options.connectTimeoutMs ?? 10_000);
  const onReply = (_topic: string, payload: Buffer): void => {
    const at = performance.now();
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      return; // someone else's garbage on the reply topic is not our answer
    }
    if (typeof parsed !== 'object' || parsed === null) return;
    const id = (parsed as CommandReply).id;
    if (typeof id === 'string') waiting.get(id)?.(parsed as CommandReply, at);
  };
  client.on('message', onReply);
  const timers: NodeJS.Timeout[] = [];
  try {
    // Every reply topic in one SUBSCRIBE: a class of 30 boards is one round trip, not 30.
    const replyTopics = [...new Set(planned.map((p) => p.replyTopic))];
    // mqtt.js 5 rejects a SUBACK with a failure code (0x80) as ErrorWithSubackPacket, its packet attached.
    await client.subscribeAsync(replyTopics, { qos: 1 }).catch((error: unknown) => {
      const granted = (error as { packet?: { granted?: unknown[] } }).packet?.granted ?? [];
      const refused = replyTopics.filter((_, i) => typeof granted[i] === 'number' && ((granted[i] as number) & 0x80) !== 0);
      if (refused.length > 0) {
        throw new DeviceError(`${safeUrl(url)} refused the subscription to ${refused.join(', ')}`, { hint: 'this client may not read the reply topic: check the broker ACL or credentials', cause: error });
      }
      throw brokerError(error, url, `subscribe to ${replyTopics.join(', ')} on`);
    });
    const outcomes: Promise<CommandOutcome>[] = [];
    for (const p of planned) {
      const { id, commandTopic, replyTopic } = p;
      // Listening before the publish: the reply can come before publishAcked returns.
      let started = 0;
      const answered = new Promise<CommandOutcome>((resolve) => {
        waiting.set(id, (reply, at) => {
          waiting.delete(id);
          resolve({ ok: true, reply, rttMs: Math.round((at - started) * 100) / 100, id, commandTopic, replyTopic });
        });
      });
      started = performance.now();
      await publishAcked(client, url, commandTopic, JSON.stringify(p.body), { qos: options.qos ?? 1 });
      const timedOut = new Promise<CommandOutcome>((resolve) => {
        timers.push(
          setTimeout(() => {
            waiting.delete(id);
            const error = new DeviceError(`no reply to "${p.request.command}" (id ${id}) on ${replyTopic} within ${timeoutMs} ms`, {
              hint: `is the device online and subscribed to ${commandTopic}? watch its status topic with \`mpy-iot watch\``,
            });
            resolve({ ok: false, error, id, commandTopic, replyTopic });
          }, timeoutMs),
        );
      });
      outcomes.push(Promise.race([answered, timedOut]));
    }
    return await Promise.all(outcomes);
  } finally {
    for (const timer of timers) clearTimeout(timer);
    client.removeListener('message', onReply);
    await endClient(client);
  }
}
