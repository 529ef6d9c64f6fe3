// The IoT Core profile end to end on the embedded broker: boards built from `init --template
// iot-core` log in with the certificates `mpy-iot certs` made, publish $devices/<id>/events over
// mTLS, and `verify` validates them; wrong certificates are refused with a reason on both sides.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { iotCoreFromProject, startBroker, type BrokerEvent, type RunningBroker } from '../../tools/broker/index.ts';
import type { VirtualBoard } from '../../tools/sim/board.ts';
import { runCli } from '../helpers/cli.ts';
import { bootOn, makeIotCoreFleet, type IotCoreFleet } from './fleet.ts';

const OPERATOR = { username: 'operator', password: 'operator-secret-1' };
let fleet: IotCoreFleet;
let broker: RunningBroker;
const events: BrokerEvent[] = [];
const boards: VirtualBoard[] = [];

before(async () => {
  fleet = await makeIotCoreFleet({ intervalSeconds: 2 });
  const file = (name: string): Buffer => readFileSync(path.join(fleet.certsDir, name));
  broker = await startBroker({
    port: 0,
    tls: { port: 0, cert: file('broker.pem'), key: file('broker.key'), ca: file('ca.pem'), requestClientCert: true },
    iotCore: iotCoreFromProject(fleet.project.devices, { certsDir: fleet.certsDir }),
    users: [OPERATOR],
    onEvent: (e) => events.push(e),
  });
});
after(async () => {
  await Promise.all(boards.map((b) => b.stop()));
  await broker?.close();
});

const boot = async (build: keyof IotCoreFleet['builds']): Promise<VirtualBoard> => {
  const board = await bootOn(fleet.builds[build], broker.tlsPort!, build);
  boards.push(board);
  return board;
};

test('an ESP32 and an ESP8266 publish $devices/<id>/events over mTLS, identified by their certificates, and verify passes', async () => {
  const [one, two] = [await boot('dev-1'), await boot('dev-2')];
  await one.waitForLine(/INFO mqtt connected/, 30_000, { fromStart: true });
  await two.waitForLine(/INFO mqtt connected/, 30_000, { fromStart: true });
  const identities = events.flatMap((e) => (e.type === 'client-connected' && e.identity ? [e.identity] : []));
  assert.deepEqual(identities.map((i) => `${i.kind}:${i.id}:${i.via}`).sort(), ['device:dev-1:certificate', 'device:dev-2:certificate']);
  assert.ok(identities.every((i) => i.kind === 'device' && i.registryId === 'reg-1'));

  const run = await runCli(['verify', '-b', broker.url, '-u', OPERATOR.username, '-P', OPERATOR.password, '--duration', '5s', '--json'], { cwd: fleet.dir, env: {} });
  assert.equal(run.code, 0, run.stdout + run.stderr);
  const report = run.json<{ devices: { device: string; passed: boolean; stats: { valid: number; invalid: number; topics: string[] } }[] }>();
  for (const id of ['dev-1', 'dev-2']) {
    const row = report.devices.find((d) => d.device === id);
    assert.ok(row?.passed && row.stats.valid >= 1 && row.stats.invalid === 0, `${id}: ${JSON.stringify(row)}`);
    assert.deepEqual(row.stats.topics, [`$devices/${id}/events`]);
  }
  assert.equal(events.filter((e) => e.type === 'refused').length, 0, JSON.stringify(events.filter((e) => e.type === 'refused')));
});

test('a certificate from another CA, an expired one and another device\'s are refused: the board and the broker say why', async () => {
  const mark = events.length;
  const wrongCa = await boot('wrong-ca');
  assert.match(await wrongCa.waitForLine(/connect failed/, 30_000, { fromStart: true }), /broker refused: not authorized/);
  const expired = await boot('expired');
  assert.match(await expired.waitForLine(/connect failed/, 30_000, { fromStart: true }), /broker refused: not authorized/);
  const other = await boot('other-device');
  await other.waitForLine(/connect failed|connection lost/, 30_000, { fromStart: true });
  const rules = events.slice(mark).flatMap((e) => (e.type === 'refused' ? [`${e.action}: ${e.rule}`] : []));
  assert.ok(rules.some((r) => /^connect: .*CN 'dev-1', not signed by our CA: UNABLE_TO_VERIFY_LEAF_SIGNATURE/.test(r)), rules.join('\n'));
  assert.ok(rules.some((r) => /^connect: .*CN 'dev-1'\) expired on /.test(r)), rules.join('\n'));
  // dev-2's certificate makes the board dev-2, whose rights do not cover dev-1's topics.
  // Its first subscription ($devices/dev-1/commands) or its birth on $devices/dev-1/state is what gets refused.
  assert.ok(rules.some((r) => /^(subscribe|publish): IoT Core: device 'dev-2' may (subscribe|publish) only to \$devices\/dev-2\//.test(r)), rules.join('\n'));
});
