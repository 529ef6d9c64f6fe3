// The operator's side of $devices/<id>/config and $devices/<id>/state (firmware/README.md "State
// and config"): push a config and wait for the state that acknowledges it; read a device's state.
// Nothing is printed here.
import type { MqttClient } from 'mqtt';
import { DeviceError, InputError } from '../errors.ts';
import { brokerError, connectOnce, endClient, newRequestId, publishAcked, safeUrl, type MqttOptions } from '../harness/index.ts';

/** The state document a board publishes (the birth, and again on every change). */
export interface DeviceState {
  status: 'online' | 'offline';
  name?: string;
  mac?: string;
  interval?: number;
  led?: 'on' | 'off' | null;
  config?: { id: unknown; ok: boolean; error?: string } | null;
  [field: string]: unknown;
}

export interface ConfigValues {
  interval?: number;
  led?: 'on' | 'off';
}

/** `--set interval=5 --set led=on` → {interval: 5, led: "on"}; the board checks the same rules again. */
export function parseConfigSettings(settings: string[], flag = '--set'): ConfigValues {
  if (settings.length === 0) throw new InputError(`${flag}: nothing to push`, [], { hint: `e.g. ${flag} interval=5 ${flag} led=on` });
  const values: ConfigValues = {};
  for (const setting of settings) {
    const eq = setting.indexOf('=');
    const key = eq < 0 ? setting : setting.slice(0, eq);
    const value = eq < 0 ? '' : setting.slice(eq + 1).trim();
    if (eq < 0 || value === '') throw new InputError(`${flag} ${setting}: expected key=value`, [], { hint: `e.g. ${flag} interval=5` });
    if (key === 'interval') {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 1 || n > 86400) throw new InputError(`${flag} interval=${value}: expected seconds from 1 to 86400`, [], { hint: `e.g. ${flag} interval=5` });
      values.interval = n;
    } else if (key === 'led') {
      if (value !== 'on' && value !== 'off') throw new InputError(`${flag} led=${value}: expected on or off`, [], { hint: `${flag} led=on` });
      values.led = value;
    } else {
      throw new InputError(`${flag} ${setting}: unknown key '${key}'`, [], { hint: 'the firmware takes interval (seconds) and led (on|off)' });
    }
  }
  return values;
}

export interface DeviceTopics {
  url: string;
  mqttOptions?: MqttOptions;
  /** The device's state (status) topic, e.g. $devices/dev-1/state. */
  stateTopic: string;
  timeoutMs?: number;
}

function parseState(payload: Buffer): DeviceState | null {
  try {
    const value = JSON.parse(payload.toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && 'status' in value ? (value as DeviceState) : null;
  } catch {
    return null;
  }
}

/** Subscribes first, then runs `act`, then waits for the first state that `accept` takes. */
async function awaitState(options: DeviceTopics, accept: (s: DeviceState, retained: boolean) => boolean, act: (client: MqttClient) => Promise<void>, waiting: string): Promise<DeviceState> {
  const { url, stateTopic } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const client = await connectOnce(url, options.mqttOptions);
  try {
    let resolveState!: (s: DeviceState) => void;
    const found = new Promise<DeviceState>((resolve) => (resolveState = resolve));
    client.on('message', (_topic, payload, packet) => {
      const state = parseState(payload);
      if (state && accept(state, packet.retain)) resolveState(state);
    });
    const granted = await client.subscribeAsync(stateTopic, { qos: 1 }).catch((error: unknown) => {
      throw brokerError(error, url, `subscribe to ${stateTopic} on`);
    });
    if (granted.some((g) => g.qos === 128)) throw new DeviceError(`${safeUrl(url)} refused the subscription to ${stateTopic}`, { hint: 'log in as an operator (-u/-P) or the registry that may read it' });
    await act(client);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeviceError(`no state on ${stateTopic} within ${timeoutMs} ms ${waiting}`, { hint: 'is the board online? `mpy-iot watch` shows it' })), timeoutMs);
    });
    try {
      return await Promise.race([found, timeout]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    await endClient(client);
  }
}

/**
 * Publishes {"id", …values} to the config topic and resolves with the state whose config.id is
 * that id: `config.ok` false means the board refused it (`config.error` says why) and changed nothing.
 */
export async function pushConfig(options: DeviceTopics & { configTopic: string; values: ConfigValues; id?: string }): Promise<{ id: string; state: DeviceState }> {
  const id = options.id ?? newRequestId();
  const body = JSON.stringify({ id, ...options.values });
  const state = await awaitState(
    options,
    (s) => typeof s.config === 'object' && s.config !== null && s.config.id === id,
    async (client) => {
      await publishAcked(client, options.url, options.configTopic, body, { qos: 1 });
    },
    `acknowledging config ${id} (sent to ${options.configTopic})`,
  );
  return { id, state };
}

/**
 * The device's current state: a retained one if the broker keeps it (not on IoT Core), else the
 * board is asked to publish it again (the "state" command on its command topic).
 */
export async function readState(options: DeviceTopics & { commandTopic: string }): Promise<DeviceState> {
  let asked = false;
  return awaitState(
    options,
    (s, retained) => retained || asked,
    async (client) => {
      await new Promise((r) => setTimeout(r, 500)); // a retained state arrives right after SUBACK
      asked = true;
      await publishAcked(client, options.url, options.commandTopic, JSON.stringify({ id: newRequestId(), cmd: 'state' }), { qos: 1 });
    },
    `(asked the board with the "state" command on ${options.commandTopic})`,
  );
}
