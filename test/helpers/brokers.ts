// Real MQTT brokers on 127.0.0.1 for tests: Aedes in-process, and Debian's mosquitto as a process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Aedes, type AedesOptions, type PublishPacket } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { tempDir } from './cli.ts';

export interface TestBroker {
  url: string;
  port: number;
  /** Every PUBLISH the broker received from a client (Aedes only; survives restarts). */
  published: { topic: string; payload: Buffer; clientId: string }[];
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A port where nothing listens, for "broker unreachable" and "offline download" tests: port 2
 * (privileged, never served here; fetch() refuses port 1 as a "bad port", so not tcpmux's 1). A port picked by freePort() is free only at that moment: another test file running
 * alongside can start listening on it, or take it as an outgoing connection's port, and then the
 * test meets that instead of ECONNREFUSED.
 */
export const NOTHING_LISTENS_PORT = 2;

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Aedes on 127.0.0.1; `options` go to the broker (e.g. authorizeSubscribe, as a class broker's ACL). */
export async function startAedes(port?: number, options: AedesOptions = {}): Promise<TestBroker> {
  const published: TestBroker['published'] = [];
  let server: net.Server;
  let broker: Aedes;
  const listen = async (p: number): Promise<number> => {
    broker = await Aedes.createBroker(options);
    broker.on('publish', (packet: PublishPacket, client) => {
      if (client) published.push({ topic: packet.topic, payload: Buffer.from(packet.payload as Buffer), clientId: client.id });
    });
    server = net.createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(p, '127.0.0.1', resolve));
    return (server.address() as net.AddressInfo).port;
  };
  const close = async (): Promise<void> => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const actual = await listen(port ?? 0);
  return {
    url: `mqtt://127.0.0.1:${actual}`,
    port: actual,
    published,
    async restart(downMs = 1000) {
      await close();
      await new Promise((r) => setTimeout(r, downMs));
      await listen(actual);
    },
    stop: close,
  };
}

export function hasMosquitto(): boolean {
  return spawnSync('mosquitto', ['-h']).error === undefined;
}

export async function startMosquitto(): Promise<TestBroker> {
  const dir = tempDir();
  const conf = path.join(dir, 'mosquitto.conf');
  let port = 0;
  let child: ChildProcess;
  /** False when mosquitto exited before listening (its port was taken meanwhile). */
  const start = (): Promise<boolean> =>
    new Promise((resolve, reject) => {
      // Its log on stderr says when the listener is open ("… running"), or why it exits: a probe
      // connection could reach another process that took the port. The pipe is drained to the end.
      child = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`mosquitto did not start on port ${port} within 20 s:\n${log}`));
      }, 20_000);
      child.stderr!.on('data', (chunk: Buffer) => {
        if (log.length < 10_000) log += chunk.toString();
        if (/ running\n/.test(log)) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
  // freePort() closes its probe before mosquitto binds: another test file may take the port in
  // between, and mosquitto then exits ("address in use"). Another port, then.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
    if (await start()) break;
    if (attempt === 5) throw new Error(`mosquitto exited before listening, 5 times (ports taken?); last port ${port}`);
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    published: [],
    async restart(downMs = 1000) {
      await stop();
      await new Promise((r) => setTimeout(r, downMs));
      if (!(await start())) throw new Error(`mosquitto did not start again on port ${port}: exited (port taken meanwhile?)`);
    },
    stop,
  };
}

export interface Subscriber {
  client: MqttClient;
  messages: { topic: string; payload: Buffer; at: number }[];
  waitFor(predicate: (m: { topic: string; payload: Buffer }) => boolean, timeoutMs?: number, what?: string): Promise<{ topic: string; payload: Buffer }>;
  end(): Promise<void>;
}

/** An MQTT client subscribed to `topics` that records what arrives. */
export async function subscribe(url: string, topics: string[]): Promise<Subscriber> {
  const client = mqtt.connect(url, { reconnectPeriod: 200, resubscribe: true });
  const messages: Subscriber['messages'] = [];
  const listeners = new Set<() => void>();
  client.on('message', (topic, payload) => {
    messages.push({ topic, payload, at: Date.now() });
    for (const l of listeners) l();
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  if (topics.length > 0) await client.subscribeAsync(Object.fromEntries(topics.map((t) => [t, { qos: 1 as const }])));
  return {
    client,
    messages,
    waitFor(predicate, timeoutMs = 10_000, what = 'message') {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${what} within ${timeoutMs} ms; got ${messages.length}: ${messages.slice(-5).map((m) => `${m.topic} ${m.payload}`).join(' | ')}`));
        }, timeoutMs);
        const check = (): void => {
          const hit = messages.find(predicate);
          if (!hit) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(hit);
        };
        listeners.add(check);
      });
    },
    async end() {
      await client.endAsync();
    },
  };
}
