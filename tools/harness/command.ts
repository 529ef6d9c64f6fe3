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

export function newRequestId(): string {
  return `mpy-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * Subscribes to the reply topic first (a fast device cannot answer before we listen), publishes,
 * and resolves with the first reply whose id matches. A reply with "ok": false still resolves:
 * the device answered. Rejects with DeviceError (exit 3) on timeout or transport failure.
 */
export async function sendCommand(options: SendCommandOptions): Promise<CommandRoundTrip> {
  const { url, deviceId, registryId, command } = options;
  if (!deviceId && !registryId) throw new InputError('sendCommand needs a deviceId or a registryId');
  const commandTopic = options.commandTopic ?? (registryId ? `$registries/${registryId}/commands` : `$devices/${deviceId}/commands`);
  const replyTopic = options.replyTopic ?? (deviceId ? `$devices/${deviceId}/events/reply` : '$devices/+/events/reply');
  const timeoutMs = options.timeoutMs ?? 5000;
  const id = options.id ?? newRequestId();
  const body: Record<string, unknown> = { id, cmd: command };
  if (options.args !== undefined) body.args = options.args;

  const client = await connectOnce(url, options.mqttOptions, options.connectTimeoutMs ?? 10_000);
  try {
    let onReply: ((topic: string, payload: Buffer) => void) | undefined;
    let started = 0;
    const reply = new Promise<{ reply: CommandReply; at: number }>((resolve) => {
      onReply = (_topic, payload) => {
        const at = performance.now();
        let parsed: unknown;
        try {
          parsed = JSON.parse(payload.toString('utf8'));
        } catch {
          return; // someone else's garbage on the reply topic is not our answer
        }
        if (typeof parsed === 'object' && parsed !== null && (parsed as CommandReply).id === id) resolve({ reply: parsed as CommandReply, at });
      };
      client.on('message', onReply);
    });
    const granted = await client.subscribeAsync(replyTopic, { qos: 1 }).catch((error: unknown) => {
      throw brokerError(error, url, `subscribe to ${replyTopic} on`);
    });
    if (granted.some((g) => g.qos === 128)) {
      throw new DeviceError(`${safeUrl(url)} refused the subscription to ${replyTopic}`, { hint: 'this client may not read the reply topic: check the broker ACL or credentials' });
    }
    started = performance.now();
    await publishAcked(client, url, commandTopic, JSON.stringify(body), { qos: options.qos ?? 1 });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new DeviceError(`no reply to "${command}" (id ${id}) on ${replyTopic} within ${timeoutMs} ms`, {
          hint: `is the device online and subscribed to ${commandTopic}? watch its status topic with \`mpy-iot watch\``,
        }));
      }, timeoutMs);
    });
    try {
      const got = await Promise.race([reply, timeout]);
      return { reply: got.reply, rttMs: Math.round((got.at - started) * 100) / 100, id, commandTopic, replyTopic };
    } finally {
      clearTimeout(timer);
      if (onReply) client.removeListener('message', onReply);
    }
  } finally {
    await endClient(client);
  }
}
