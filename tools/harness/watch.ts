// Live watching: an mqtt.js client feeding the tracker. Reconnects and resubscribes by itself;
// never prints. Events: 'message' (MessageResult, every message), 'device' (DeviceStats of the rows
// that changed, coalesced every `updateMs`), 'connection' ('connected' | 'reconnecting' | 'offline'),
// 'error' (DeviceError; only emitted when someone listens, so a transient broker failure cannot
// crash a caller that did not subscribe to it).
import { EventEmitter } from 'node:events';
import mqtt, { type MqttClient } from 'mqtt';
import { DeviceError, InputError } from '../errors.ts';
import { brokerError, isNotMqtt, refuseNonMqtt, safeUrl, tlsFailure, toolClientId, type MqttOptions } from './client.ts';
import { TelemetryTracker, type TrackerOptions } from './tracker.ts';
import type { DeviceStats, MessageResult, Snapshot } from './types.ts';

export interface WatchOptions extends Omit<TrackerOptions, 'startedAt'> {
  url: string;
  /** Extra client options (credentials, TLS, clientId…); reconnect is always on. */
  mqttOptions?: MqttOptions;
  /** Subscription QoS (QoS 1 telemetry arrives as QoS 1); default 1. */
  qos?: 0 | 1;
  /** How often 'device' events are flushed; default 250 ms. */
  updateMs?: number;
  /**
   * Once subscribed, ping these devices (command topic → who) so their replies say who is online:
   * presence where births are not retained (IoT Core). Default: the devices with retainStatus false.
   */
  presencePing?: boolean;
  /**
   * Subscribe as one member of this MQTT 5 shared-subscription group (`$share/<group>/<filter>`):
   * the broker hands each message to one member, so several watchers split a large fleet's stream
   * (their JSON reports are merged by mergeReports). Needs a broker with shared subscriptions
   * (mosquitto ≥ 1.6, EMQX; not the embedded one).
   */
  shareGroup?: string;
}

export type ConnectionState = 'connected' | 'reconnecting' | 'offline';

export interface WatchEvents {
  message: [MessageResult];
  device: [DeviceStats];
  connection: [ConnectionState];
  error: [DeviceError];
}

export class Watch extends EventEmitter<WatchEvents> {
  readonly tracker: TelemetryTracker;
  readonly filters: string[];
  readonly url: string;
  /** The last transport error, for a timeout message. */
  lastError: DeviceError | undefined;
  private readonly client: MqttClient;
  private readonly timer: NodeJS.Timeout;
  private subscribed = false;
  private readonly readyWaiters: { resolve: () => void; reject: (e: DeviceError) => void }[] = [];
  private stopped: Promise<Snapshot> | undefined;

  constructor(options: WatchOptions) {
    super();
    this.url = options.url;
    this.tracker = new TelemetryTracker(options);
    this.filters = this.tracker.targets.filters;
    if (this.filters.length === 0) {
      throw new InputError('nothing to watch: no project devices and no topics', [], { hint: "pass a project, or --topic 'DATA/+'" });
    }
    const qos = options.qos ?? 1;
    const share = options.shareGroup;
    if (share !== undefined && !/^[^/+#]+$/.test(share)) {
      throw new InputError(`--share '${share}': a shared-subscription group name cannot be empty or contain /, + or #`, [], { hint: 'e.g. --share fleet-verify' });
    }
    const subscribed = share === undefined ? this.filters : this.filters.map((f) => `$share/${share}/${f}`);
    this.client = mqtt.connect(options.url, {
      clientId: toolClientId('watch'),
      clean: true,
      // Shared subscriptions are MQTT 5's.
      protocolVersion: share === undefined ? 4 : 5,
      keepalive: 30,
      connectTimeout: 10_000,
      ...options.mqttOptions,
      reconnectPeriod: options.mqttOptions?.reconnectPeriod || 1000,
      // We subscribe on every 'connect' ourselves (clean sessions forget subscriptions).
      resubscribe: false,
    });
    this.client.on('message', (topic, payload) => {
      const result = this.tracker.ingest(topic, payload, Date.now());
      if (this.listenerCount('message') > 0) this.emit('message', result);
    });
    this.client.on('connect', () => {
      this.emit('connection', 'connected');
      this.client.subscribe(Object.fromEntries(subscribed.map((f) => [f, { qos }])), (error, granted) => {
        if (error) return this.fail(brokerError(error, this.url, 'subscribe on'));
        const refused = (granted ?? []).filter((g) => g.qos >= 128).map((g) => g.topic);
        if (refused.length > 0) this.fail(new DeviceError(`${safeUrl(this.url)} refused the subscription to ${refused.join(', ')}`, { hint: 'the broker does not allow this client to read these topics: check its ACL or credentials' }));
        if (!this.subscribed && options.presencePing !== false) this.pingRound(options.devices ?? [], options.presencePing === true);
        this.subscribed = true;
        for (const waiter of this.readyWaiters.splice(0)) waiter.resolve();
      });
    });
    this.client.on('reconnect', () => this.emit('connection', 'reconnecting'));
    this.client.on('offline', () => this.emit('connection', 'offline'));
    this.client.on('error', (error) => this.fail(brokerError(error, this.url)));
    refuseNonMqtt(this.client, (error) => this.fail(brokerError(error, this.url)));
    this.timer = setInterval(() => this.flush(), options.updateMs ?? 250);
    this.timer.unref();
  }

  /** Resolves once subscribed; rejects with a DeviceError (the last transport error) after timeoutMs. */
  ready(timeoutMs = Infinity): Promise<void> {
    if (this.subscribed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(() => {
          this.readyWaiters.splice(this.readyWaiters.indexOf(waiter), 1);
          const cause = this.lastError;
          reject(new DeviceError(`not subscribed to ${safeUrl(this.url)} within ${timeoutMs} ms${cause ? `: ${cause.message}` : ''}`, { cause, hint: cause?.hint ?? 'is the broker running and reachable?' }));
        }, timeoutMs)
        : undefined;
      const waiter = {
        resolve: (): void => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error: DeviceError): void => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.readyWaiters.push(waiter);
    });
  }

  snapshot(): Snapshot {
    return this.tracker.snapshot();
  }

  /** Disconnects, emits the last 'device' updates and returns the final snapshot. Idempotent. */
  stop(): Promise<Snapshot> {
    this.stopped ??= (async () => {
      clearInterval(this.timer);
      await this.client.endAsync(true);
      this.flush();
      return this.tracker.snapshot();
    })();
    return this.stopped;
  }

  private pingRound(devices: NonNullable<WatchOptions['devices']>, all: boolean): void {
    const id = `presence-${Date.now().toString(36)}`;
    for (const d of devices) {
      if (!all && d.mqtt.retainStatus) continue;
      this.client.publish(`$devices/${d.identity.deviceId}/commands`, JSON.stringify({ id, cmd: 'ping' }), { qos: 0 });
    }
  }

  private flush(): void {
    if (this.listenerCount('device') === 0) return;
    for (const stats of this.tracker.takeChanged()) this.emit('device', stats);
  }

  private fail(error: DeviceError): void {
    this.lastError = error;
    // A refused login will be refused again, and a first connection that finds nothing listening
    // (or no such host) is a wrong URL or a broker not started, and a TLS handshake that failed
    // (untrusted broker, certificate required) fails the same way again: say so now, not after the timeout.
    const code = (error.cause as { code?: unknown } | undefined)?.code;
    if (!this.subscribed && (code === 4 || code === 5 || code === 134 || code === 135 || code === 'ECONNREFUSED' || code === 'ENOTFOUND' || isNotMqtt(error) || tlsFailure(error.cause) !== null)) {
      for (const waiter of this.readyWaiters.splice(0)) waiter.reject(error);
    }
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }
}

export function startWatch(options: WatchOptions): Watch {
  return new Watch(options);
}
