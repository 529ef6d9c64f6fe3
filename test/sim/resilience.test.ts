// Faults: broker restart (no QoS 1 payload lost), watchdog resets, a flood of malformed commands.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAedes, subscribe } from '../helpers/brokers.ts';
import { boardClock } from '../helpers/clock.ts';
import { bootBoard, buildLab } from '../helpers/sim.ts';
import { until } from '../helpers/until.ts';

const seqOf = (payload: Buffer): number => (JSON.parse(payload.toString()) as { seq: number }).seq;

test('broker restarted mid-run: the board reconnects, resubscribes, and with QoS 1 + seq loses no payload', async () => {
  const broker = await startAedes();
  const project = await buildLab({
    brokerUrl: broker.url,
    defaults: { mqtt: { url: broker.url, qos: 1 }, telemetry: { intervalSeconds: 0.5, extras: ['seq'], offlineBuffer: 20 } },
    devices: [{ name: 'team-1', board: 'esp32', telemetry: { students: ['A'], group: 'G1' } }],
  });
  const board = await bootBoard(project, 'team-1');
  after(async () => {
    await board.stop();
    await broker.stop();
  });
  const dataTopic = `DATA/${board.mac}`;
  const seqs = (): number[] => broker.published.filter((p) => p.topic === dataTopic).map((p) => seqOf(p.payload));
  await board.waitForLine(/telemetry sent/, 30_000);
  await new Promise((r) => setTimeout(r, 1500));
  await broker.restart(2500);
  await board.waitForLine(/mqtt connected/, 15_000);
  // The buffered payloads go out after the reconnect: wait (up to 20 s) until the broker has every
  // seq so far and publishing went on; a lost one never arrives and is named below.
  const complete = (): boolean => {
    const got = new Set(seqs());
    const top = Math.max(...got);
    return top >= 8 && Array.from({ length: top + 1 }, (_, i) => i).every((i) => got.has(i));
  };
  await until(complete, 'every seq at the broker after the restart').catch(() => undefined);
  const received = new Set(seqs());
  const last = Math.max(...received);
  const missing = Array.from({ length: last + 1 }, (_, i) => i).filter((i) => !received.has(i));
  assert.deepEqual(missing, [], `every seq from 0 to ${last} reached the broker (got ${[...received].sort((a, b) => a - b).join(',')})`);
  assert.ok(last >= 8, `publishing went on (last seq ${last})`);

  // Resubscribed: a RESULT after the restart still reaches the board.
  const sub = await subscribe(broker.url, []);
  sub.client.publish('RESULT', JSON.stringify({ group: 'G1', message: 'after restart' }));
  await board.waitForLine(/after restart/, 5_000);
  await sub.end();
});

test('a watchdog that is not fed resets the board, which comes back and publishes again', async () => {
  const broker = await startAedes();
  const project = await buildLab({
    brokerUrl: broker.url,
    devices: [{ name: 'wd', board: 'esp32', watchdog: { timeoutSeconds: 5 }, telemetry: { students: ['A'], group: 'G' } }],
  });
  const board = await bootBoard(project, 'wd');
  after(async () => {
    await board.stop();
    await broker.stop();
  });
  await board.waitForLine(/telemetry sent/, 30_000);
  const expired: unknown[] = [];
  board.on('watchdog-expired', (e) => expired.push(e));
  const reset = new Promise((resolve) => board.once('reset', resolve));
  board.stall(7000);
  assert.deepEqual(await reset, { cause: 'watchdog', at: board.resets[0]?.at });
  assert.match(await board.waitForLine(/boot=watchdog/, 30_000), /mpy-iot .* boot=watchdog/);
  await board.waitForLine(/telemetry sent/, 30_000);
  assert.equal(board.bootCount, 2, `one watchdog reset only: ${JSON.stringify({ resets: board.resets, expired, hostStalls: board.hostStalls })}`);
});

test('1000 random and malformed command payloads: the board keeps publishing on schedule', async () => {
  const broker = await startAedes();
  const project = await buildLab({
    brokerUrl: broker.url,
    devices: [{ name: 'fuzz', board: 'esp8266', telemetry: { students: ['A'], group: 'G', sensor: 'simulated' } }],
  });
  const board = await bootBoard(project, 'fuzz');
  const sub = await subscribe(broker.url, ['DATA/#', '$devices/fuzz/events/reply']);
  after(async () => {
    await board.stop();
    await sub.end();
    await broker.stop();
  });
  await board.waitForLine(/telemetry sent/, 30_000);
  let seed = 7;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const samples = [
    () => Buffer.from(Array.from({ length: rand(600) }, () => rand(256))),
    () => Buffer.from('{"id": 1, "cmd": "ping"'),
    () => Buffer.from(JSON.stringify({ id: `x${rand(1000)}`, cmd: ['ping', 'status', 'set_interval', 'led', 'nope', 7][rand(6)], args: [null, 'x', { seconds: -1 }, { state: 'blink', times: 'many' }][rand(4)] })),
    () => Buffer.from('[]'),
    () => Buffer.alloc(4000, 'a'),
    () => Buffer.from(''),
  ];
  // The schedule is judged on the board's clock: the time its interpreter could run. On a loaded
  // host (another test file's boards, other processes) its thread waits for a CPU, which no real
  // board does; a flood that blocks its loop still shows as gaps and missing payloads there.
  const now = boardClock(board);
  const data: number[] = [];
  sub.client.on('message', (topic) => {
    if (topic.startsWith('DATA/')) data.push(now());
  });
  const started = now();
  for (let i = 0; i < 1000; i++) {
    sub.client.publish(i % 5 === 0 ? 'RESULT' : '$devices/fuzz/commands', samples[rand(samples.length)]!());
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 2500));
  const seconds = (now() - started) / 1000;
  assert.ok(data.length >= Math.floor(seconds) - 2, `${data.length} payloads in ${seconds.toFixed(1)} s of board time at 1 per second`);
  const gaps = data.slice(1).map((at, i) => at - data[i]!);
  assert.ok(Math.max(...gaps) < 3000, `largest gap ${Math.max(...gaps)} ms of board time`);
  assert.equal(board.resets.length, 0, 'no crash, no reset');
  assert.ok(sub.messages.some((m) => m.topic.endsWith('/reply') && JSON.parse(m.payload.toString()).ok === false), 'malformed commands get error replies');
});
