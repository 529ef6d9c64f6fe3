// The classroom case behind the client-id rule, with real firmware: two boards flashed with the same
// client id, dev-1 with its certificate and dev-2 with its own, on the embedded broker's IoT Core
// mTLS port. dev-2 is refused ("client id rejected") on every try and says so on its console; dev-1
// is never knocked off and its telemetry keeps arriving.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { iotCoreFromProject, startBroker, type BrokerEvent, type RunningBroker } from '../../tools/broker/index.ts';
import { loadProject } from '../../tools/config/index.ts';
import { buildProject } from '../../tools/render/build.ts';
import type { VirtualBoard } from '../../tools/sim/board.ts';
import { until } from '../helpers/until.ts';
import { bootOn, makeIotCoreFleet, type IotCoreFleet } from './fleet.ts';

const SHARED_ID = 'lab-board';
let fleet: IotCoreFleet;
let broker: RunningBroker;
const events: BrokerEvent[] = [];
const boards: VirtualBoard[] = [];

before(async () => {
  fleet = await makeIotCoreFleet({ intervalSeconds: 1 });
  // Both boards built with one fixed client id, as when a team copies another's config.py.
  const file = path.join(fleet.dir, 'mpy-iot.json');
  const json = JSON.parse(readFileSync(file, 'utf8')) as { defaults: { mqtt: Record<string, unknown> } };
  json.defaults.mqtt.clientId = SHARED_ID;
  writeFileSync(file, JSON.stringify(json, null, 2));
  const project = loadProject({ project: fleet.dir, env: {} });
  await buildProject(project);
  const cert = (name: string): Buffer => readFileSync(path.join(fleet.certsDir, name));
  broker = await startBroker({
    port: 0,
    tls: { port: 0, cert: cert('broker.pem'), key: cert('broker.key'), ca: cert('ca.pem'), requestClientCert: true },
    iotCore: { ...iotCoreFromProject(project.devices, { certsDir: fleet.certsDir }), rateLimit: false },
    onEvent: (e) => events.push(e),
  });
});
after(async () => {
  await Promise.all(boards.map((b) => b.stop()));
  await broker?.close();
});

test("dev-2's board with dev-1's client id is refused on every try; dev-1 stays connected and keeps publishing", async () => {
  const one = await bootOn(fleet.builds['dev-1'], broker.tlsPort!, 'dev-1');
  boards.push(one);
  await one.waitForLine(/INFO mqtt connected/, 30_000, { fromStart: true });
  const two = await bootOn(fleet.builds['dev-2'], broker.tlsPort!, 'dev-2');
  boards.push(two);
  const refusedOnBoard = (): number => two.console.filter((l) => /connect failed \(broker refused: client id rejected\)/.test(l.line)).length;
  // Two tries, the second after the firmware's backoff: time enough for dev-1 to notice a kick.
  await until(() => refusedOnBoard() >= 2, "dev-2's board refused twice", 60_000);

  const refusals = events.filter((e): e is Extract<BrokerEvent, { type: 'refused' }> => e.type === 'refused');
  assert.ok(refusals.length >= 2 && refusals.every((r) => r.clientId === SHARED_ID && r.action === 'connect'), JSON.stringify(refusals));
  assert.match(refusals[0]!.rule, /client id 'lab-board' is in use by device 'dev-1' .*; device 'dev-2' .* may not take it over/);
  assert.ok(!one.console.some((l) => /connection lost/.test(l.line)), `dev-1 was knocked off:\n${one.console.map((l) => l.line).join('\n')}`);
  assert.equal(events.filter((e) => e.type === 'client-disconnected').length, 0, 'the broker disconnected nobody');
  // dev-1's telemetry still flows after the refusals.
  const sent = (): number => one.console.filter((l) => l.line.includes('telemetry sent')).length;
  const before = sent();
  await until(() => sent() > before, "dev-1's next payload", 30_000);
  assert.ok(!two.console.some((l) => /INFO mqtt connected/.test(l.line)), 'dev-2 got in');
});
