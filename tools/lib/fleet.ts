// `connectFleet()`: the harness as a library. One MQTT subscription to a fleet's topics (the same
// Watch that `mpy-iot watch` runs), every payload validated against the project's schema, typed
// events per device, command round trips, and a kept history so a test can wait for what already
// arrived. `P` is the payload type (a generated interface from `mpy-iot codegen`), `D` the device names.
import { EventEmitter } from 'node:events';
import type { LoadedProject } from '../config/index.ts';
import type { ResolvedDevice } from '../config/types.ts';
import { DeviceError, InputError } from '../errors.ts';
import { sendCommand, type CommandRoundTrip } from '../harness/command.ts';
import type { MqttOptions } from '../harness/client.ts';
import { payloadValidator } from '../harness/schema.ts';
import { topicFilter } from '../harness/topics.ts';
import type { EvaluateOptions, MessageResult, PayloadError, Snapshot, Verdict } from '../harness/types.ts';
import { evaluate } from '../harness/verdict.ts';
import { startWatch, type Watch } from '../harness/watch.ts';
import type { CommandOutcome, CommandRequest } from './commands.ts';
import { openProject, projectSchemaPath, type ProjectLoadOptions, type ProjectSource } from './project.ts';

export interface ConnectFleetOptions extends ProjectLoadOptions {
  /** Broker URL, e.g. startBroker()'s `url` or mqtt://192.168.1.10:1883. */
  url: string;
  /** The roster: its topics are subscribed and its device names label the events. */
  project?: ProjectSource;
  /** Payload schema: a file path or a parsed JSON Schema; default the project's telemetry.schema.json, else the lab's. */
  schema?: string | object;
  /** Extra topic filters to watch (without a project: the only ones; default every topic). */
  topics?: string[];
  mqttOptions?: MqttOptions;
  /** How long to wait for the subscription; default 10 s. */
  readyTimeoutMs?: number;
  /** Messages kept for waiting helpers; default 10 000 (oldest dropped first). */
  historyLimit?: number;
}

interface FromTopic<D extends string> {
  topic: string;
  /** Project device, when the topic or the payload (students + group, a birth's MAC) tells which. */
  device: D | null;
  /** Stable per board: the MAC of a `{mac}` topic, else the device id or the topic. */
  key: string;
  receivedAt: number;
  bytes: number;
}

export interface TelemetryEvent<P, D extends string = string> extends FromTopic<D> {
  /** Passed the schema, so it is typed. */
  payload: P;
  seq: number | null;
}

export interface InvalidTelemetryEvent<D extends string = string> extends FromTopic<D> {
  error: PayloadError;
  /** Parsed JSON when it parsed (undefined for garbage). */
  payload: unknown;
}

export interface StatusEvent<D extends string = string> extends FromTopic<D> {
  payload: unknown;
  valid: boolean;
}

export interface FleetEvents<P, D extends string> {
  /** A payload that passed the schema. */
  telemetry: [TelemetryEvent<P, D>];
  /** A telemetry message the schema (or JSON, UTF-8, size) refused. */
  invalid: [InvalidTelemetryEvent<D>];
  /** Birth / last will on a status topic. */
  status: [StatusEvent<D>];
  /** Every message, as the harness judged it. */
  message: [MessageResult];
  /** A transport failure after the start (the client keeps reconnecting). */
  error: [DeviceError];
}

export interface SendOptions {
  /** Default 5000 ms. */
  timeoutMs?: number;
}

export class Fleet<P = unknown, D extends string = string> extends EventEmitter<FleetEvents<P, D>> {
  readonly url: string;
  readonly project: LoadedProject | null;
  /** Every message since the fleet connected (at most historyLimit), oldest first. */
  readonly messages: MessageResult[] = [];
  readonly connectedAt = Date.now();
  private readonly watch: Watch;
  private readonly mqttOptions: MqttOptions | undefined;
  private readonly historyLimit: number;

  /** Use connectFleet(): it also waits until the subscription is in place. */
  constructor(options: ConnectFleetOptions) {
    super();
    this.url = options.url;
    this.project = options.project === undefined ? null : openProject(options.project, options);
    this.mqttOptions = options.mqttOptions;
    this.historyLimit = options.historyLimit ?? 10_000;
    const schema = options.schema ?? projectSchemaPath(this.project);
    this.watch = startWatch({
      url: options.url,
      ...(this.project ? { devices: this.project.devices } : {}),
      ...(options.topics ? { topics: options.topics } : {}),
      ...(typeof schema === 'object' ? { validate: payloadValidator(schema, 'the schema option') } : schema ? { schemaPath: schema } : {}),
      ...(options.mqttOptions ? { mqttOptions: options.mqttOptions } : {}),
      presencePing: false,
    });
    this.watch.on('message', (m) => this.take(m));
    this.watch.on('error', (e) => {
      if (this.listenerCount('error') > 0) this.emit('error', e);
    });
  }

  /** Resolves once subscribed (connectFleet awaits this). */
  ready(timeoutMs = 10_000): Promise<void> {
    return this.watch.ready(timeoutMs);
  }

  /** The project's device of that name; throws InputError listing the names. */
  device(name: D): ResolvedDevice {
    const device = this.project?.devices.find((d) => d.name === name);
    if (!device) throw new InputError(`no device named '${name}' in ${this.project ? this.project.file : 'this fleet (connectFleet was given no project)'}`, [], { hint: this.project ? `devices: ${this.project.devices.map((d) => d.name).join(', ')}` : 'pass project: to connectFleet' });
    return device;
  }

  /**
   * Resolves with the first message (from the history since `since`, then live) for which `match`
   * returns a value other than undefined/false; rejects with DeviceError after timeoutMs.
   */
  waitFor<T>(match: (message: MessageResult) => T | undefined | false, options: { timeoutMs?: number; since?: number; what?: string } = {}): Promise<T> {
    const since = options.since ?? this.connectedAt;
    for (const m of this.messages) {
      if (m.receivedAt < since) continue;
      const hit = match(m);
      if (hit !== undefined && hit !== false) return Promise.resolve(hit);
    }
    const timeoutMs = options.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const onMessage = (m: MessageResult): void => {
        const hit = match(m);
        if (hit === undefined || hit === false) return;
        clearTimeout(timer);
        this.off('message', onMessage);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        this.off('message', onMessage);
        reject(new DeviceError(`${options.what ?? 'the awaited message'} did not arrive within ${timeoutMs} ms`, { hint: 'is the board running and pointed at this broker?' }));
      }, timeoutMs);
      this.on('message', onMessage);
    });
  }

  /** Publishes a command to the device and waits for its reply (untyped; see send()). */
  command(device: D, cmd: string, args?: Record<string, unknown>, options: SendOptions = {}): Promise<CommandRoundTrip> {
    const known = this.project?.devices.find((d) => d.name === device);
    return sendCommand({
      url: this.url,
      deviceId: known?.identity.deviceId ?? device,
      command: cmd,
      ...(args === undefined ? {} : { args }),
      ...(known ? { replyTopic: topicFilter(known.mqtt.replyTopic, known) } : {}),
      timeoutMs: options.timeoutMs ?? 5000,
      ...(this.mqttOptions ? { mqttOptions: this.mqttOptions } : {}),
    });
  }

  /** A typed round trip: `await fleet.send('team-1', commands.setInterval(5))` → `{ ok, result }`. */
  async send<R>(device: D, request: CommandRequest<R>, options: SendOptions = {}): Promise<CommandOutcome<R>> {
    const trip = await this.command(device, request.cmd, request.args as Record<string, unknown> | undefined, options);
    const { reply, rttMs } = trip;
    if (reply.ok) return { ok: true, result: reply.result as R, rttMs, reply };
    return { ok: false, error: typeof reply.error === 'string' ? reply.error : 'refused', rttMs, reply };
  }

  /** Per-board counts, intervals, first error… (what `mpy-iot watch` shows). */
  snapshot(): Snapshot {
    return this.watch.snapshot();
  }

  /** The same verdict as `mpy-iot verify`, on what arrived so far. */
  verify(options: EvaluateOptions = {}): Verdict {
    return evaluate(this.snapshot(), options);
  }

  /** Disconnects; resolves with the final snapshot. Idempotent. */
  close(): Promise<Snapshot> {
    return this.watch.stop();
  }

  private take(m: MessageResult): void {
    this.messages.push(m);
    if (this.messages.length > this.historyLimit) this.messages.shift();
    const base = { topic: m.topic, device: m.device as D | null, key: m.key, receivedAt: m.receivedAt, bytes: m.bytes };
    if (m.kind === 'telemetry') {
      if (m.valid) this.emit('telemetry', { ...base, payload: m.payload as P, seq: m.seq });
      else this.emit('invalid', { ...base, error: m.error!, payload: m.payload });
    } else if (m.kind === 'status') this.emit('status', { ...base, payload: m.payload, valid: m.valid });
    this.emit('message', m);
  }
}

/** Subscribes to the fleet's topics and resolves once the broker confirmed the subscription. */
export async function connectFleet<P = unknown, D extends string = string>(options: ConnectFleetOptions): Promise<Fleet<P, D>> {
  const fleet = new Fleet<P, D>(options);
  try {
    await fleet.ready(options.readyTimeoutMs ?? 10_000);
  } catch (error) {
    await fleet.close();
    throw error;
  }
  return fleet;
}
