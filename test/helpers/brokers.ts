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
  const port = await freePort();
  const dir = tempDir();
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
  let child: ChildProcess;
  const start = async (): Promise<void> => {
    child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await canConnect(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`mosquitto did not start on port ${port}`);
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    published: [],
    async restart(downMs = 1000) {
      await stop();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    stop,
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
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
