// Commands and RESULT reach a virtual board through a real broker; the board answers.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAedes, subscribe } from '../helpers/brokers.ts';
import { boardClock } from '../helpers/clock.ts';
import { bootBoard, buildLab } from '../helpers/sim.ts';
import { until } from '../helpers/until.ts';

test('ping on $devices/<id>/commands gets its reply; RESULT for the group is announced on the console', async () => {
  const broker = await startAedes();
  const project = await buildLab({
    brokerUrl: broker.url,
    devices: [{ name: 'team-7', board: 'esp32', identity: { registryId: 'reg-1' }, telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01' } }],
  });
  const sub = await subscribe(broker.url, ['$devices/team-7/events/reply', '$devices/team-7/state']);
  const board = await bootBoard(project, 'team-7');
  after(async () => {
    await board.stop();
    await sub.end();
    await broker.stop();
  });
  await board.waitForLine(/mqtt connected, subscribed to 4 topics/, 30_000);
  const online = await sub.waitFor((m) => m.topic === '$devices/team-7/state', 5_000, 'birth message');
  assert.equal(JSON.parse(online.payload.toString()).status, 'online');

  // Within 2 s of the board's time (its waits for a CPU on a loaded host excluded).
  const now = boardClock(board);
  const sent = now();
  sub.client.publish('$devices/team-7/commands', JSON.stringify({ id: 'req-42', cmd: 'ping' }));
  const reply = await sub.waitFor((m) => m.topic === '$devices/team-7/events/reply', 15_000, 'ping reply');
  assert.deepEqual(JSON.parse(reply.payload.toString()), { id: 'req-42', cmd: 'ping', ok: true, result: { pong: true } });
  assert.ok(now() - sent < 2000, `reply within 2 s (${now() - sent} ms)`);

  sub.client.publish('$registries/reg-1/commands', JSON.stringify({ id: 'all-1', cmd: 'status' }));
  const status = await sub.waitFor((m) => m.topic === '$devices/team-7/events/reply' && m.payload.includes('all-1'), 5_000, 'registry command reply');
  assert.equal(JSON.parse(status.payload.toString()).ok, true);

  sub.client.publish('RESULT', JSON.stringify({ group: 'БАГ-18-01', message: 'лабораторная зачтена' }));
  assert.match(await board.waitForLine(/result/, 5_000), /for my group БАГ-18-01.*лабораторная зачтена/);
  sub.client.publish('RESULT', 'plain text for everyone');
  assert.match(await board.waitForLine(/plain text for everyone/, 5_000), /result/);

  // A 60 KB message arrives in socket reads larger than one host reply can carry: it must be
  // split, not break the board (it is too big to be a result, and is reported as such).
  const crashes: unknown[] = [];
  board.on('crashed', (e) => crashes.push(e));
  sub.client.publish('RESULT', JSON.stringify({ group: 'БАГ-18-01', message: 'x'.repeat(60_000) }));
  sub.client.publish('RESULT', JSON.stringify({ group: 'БАГ-18-01', message: 'after the big one' }));
  await board.waitForLine(/after the big one/, 10_000);
  assert.deepEqual(crashes, []);

  sub.client.publish('$devices/team-7/commands', JSON.stringify({ id: 'led-1', cmd: 'led', args: { state: 'off' } }));
  await sub.waitFor((m) => m.payload.includes('led-1'), 5_000, 'led reply');
  // The pin change reaches the host as a worker message, the reply through the broker: nothing
  // orders the two, so wait for the pin (an LED that never follows the command times out).
  await until(() => board.led === false, 'the LED the host observes follows the command', 10_000);
});
