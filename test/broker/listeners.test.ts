// Listeners and lifecycle: MQTT over WebSocket reaches TCP subscribers, listening events carry
// the URLs, close() drops clients, frees the ports and is idempotent, a busy port is a DeviceError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { DeviceError } from '../../tools/errors.ts';
import { startBroker } from '../../tools/broker/index.ts';
import { freePort } from '../helpers/brokers.ts';
import { closed, eventLog, openOrThrow, publishOutcome, record, unique } from './helpers.ts';

test('an MQTT.js client over ws:// publishes and a TCP client receives it (and back)', async (t) => {
  const log = eventLog();
  const broker = await startBroker({ port: 0, wsPort: 0, onEvent: log.onEvent });
  t.after(() => broker.close());
  assert.match(broker.wsUrl ?? '', /^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/);
  assert.deepEqual(
    log.events.filter((e) => e.type === 'listening').map((e) => e.type === 'listening' && e.protocol),
    ['mqtt', 'ws'],
  );

  const tcp = await openOrThrow(broker.url);
  const ws = await openOrThrow(broker.wsUrl!, { clientId: 'browser-like' });
  const [atTcp, atWs] = [record(tcp), record(ws)];
  await tcp.subscribeAsync('lab/up', { qos: 1 });
  await ws.subscribeAsync('lab/down', { qos: 1 });
  const [up, down] = [unique('up'), unique('down')];
  assert.equal(await publishOutcome(ws, 'lab/up', up), 'acked');
  assert.equal(await publishOutcome(tcp, 'lab/down', down), 'acked');
  await atTcp.waitFor(up);
  await atWs.waitFor(down);
  assert.match((await log.waitFor('client-connected', 'browser-like')).remote, /^127\.0\.0\.1:\d+$/);
});

test('the WebSocket port answers plain HTTP with 426', async (t) => {
  const broker = await startBroker({ port: 0, wsPort: 0 });
  t.after(() => broker.close());
  const response = await fetch(`http://127.0.0.1:${broker.wsPort}/`);
  assert.equal(response.status, 426);
  await response.body?.cancel();
});

test('close() disconnects TCP and WebSocket clients, frees the ports, and may be called twice', async () => {
  const broker = await startBroker({ port: 0, wsPort: 0 });
  const tcp = await openOrThrow(broker.url);
  const ws = await openOrThrow(broker.wsUrl!);
  // A socket that never sends CONNECT must not hold close() up either.
  const idle = net.connect(broker.port, '127.0.0.1');
  await new Promise((resolve) => idle.once('connect', resolve));
  const idleClosed = new Promise((resolve) => idle.once('close', resolve));

  await Promise.all([broker.close(), broker.close()]);
  await broker.close();
  await Promise.all([closed(tcp), closed(ws), idleClosed]);
  assert.equal(broker.aedes.closed, true);

  // The same ports can be taken again at once.
  const again = await startBroker({ port: broker.port, wsPort: broker.wsPort! });
  await again.close();
});

test('a busy port fails with a DeviceError that says which port, and leaves nothing listening', async () => {
  const first = await startBroker({ port: 0 });
  const tcpPort = await freePort();
  try {
    await assert.rejects(startBroker({ port: tcpPort, wsPort: first.port }), (error: unknown) => {
      assert.ok(error instanceof DeviceError);
      assert.match(error.message, new RegExp(`MQTT over WebSocket on 127\\.0\\.0\\.1:${first.port}`));
      assert.match(error.hint ?? '', /another process holds port/);
      return true;
    });
    // The TCP listener that did start was closed again: its port is free.
    await (await startBroker({ port: tcpPort })).close();
  } finally {
    await first.close();
  }
});

test('a bad IoT Core roster is refused before any port opens', async () => {
  await assert.rejects(
    startBroker({ port: 0, iotCore: { devices: [{ id: 'a/b' }, { id: 'R' }], registries: [{ id: 'R' }] } }),
    (error: Error & { issues?: { path: string; message: string }[] }) => {
      assert.deepEqual(
        error.issues?.map((i) => i.path),
        ['iotCore.devices[0]', 'iotCore.devices[1]'],
      );
      return true;
    },
  );
});
