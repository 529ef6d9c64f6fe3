// A class broker whose ACL refuses some of the board's subscriptions (SUBACK 0x80, as Aedes and
// EMQX answer; mosquitto 2.0 grants them and filters on delivery): the board says which, keeps its
// session and keeps publishing, instead of reconnecting forever (each reconnect would be refused
// the same way). An OSError while subscribing is not a refusal: test/firmware/backoff.test.ts.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startAedes, subscribe } from '../helpers/brokers.ts';
import { bootBoard, buildLab } from '../helpers/sim.ts';
import { until } from '../helpers/until.ts';

test("a subscription the broker's ACL refuses is reported and skipped: the board stays connected and publishes", async () => {
  const refused = (topic: string): boolean => topic === 'RESULT' || topic.endsWith('/config');
  const broker = await startAedes(undefined, {
    // Aedes answers 0x80 for a subscription negated with null (and keeps the client connected).
    authorizeSubscribe: (_client, sub, callback) => callback(null, refused(sub.topic) ? null : sub),
  });
  const project = await buildLab({
    brokerUrl: broker.url,
    devices: [{ name: 'team-3', board: 'esp8266', telemetry: { students: ['A'], group: 'G', sensor: 'simulated', intervalSeconds: 1 } }],
  });
  const sub = await subscribe(broker.url, ['DATA/#']);
  const board = await bootBoard(project, 'team-3');
  after(async () => {
    await board.stop();
    await sub.end();
    await broker.stop();
  });
  assert.match(await board.waitForLine(/WARN mqtt broker refused the subscription to \$devices\/team-3\/config/, 15_000), /its ACL\?\); carrying on without it/);
  await board.waitForLine(/INFO mqtt connected, subscribed to 1 topics/, 5_000);
  assert.ok(board.console.some((l) => /WARN mqtt broker refused the subscription to RESULT/.test(l.line)), 'RESULT named too');
  // Telemetry keeps flowing (three payloads, however slowly a loaded host runs the board)…
  await until(() => sub.messages.filter((m) => m.topic.startsWith('DATA/')).length >= 3, 'three payloads on DATA/');
  // …in the one session it opened: no reconnect loop.
  const lines = board.console.map((l) => l.line);
  assert.equal(lines.filter((l) => /mqtt connecting to/.test(l)).length, 1, `one session, no reconnect loop:\n${lines.join('\n')}`);
});
