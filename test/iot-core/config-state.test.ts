// The operator's loop on IoT Core: `config push` → the board (over mTLS to the embedded broker)
// validates and applies it → its state says so, and `state` reads it back; registry commands reach
// every device of the registry.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { iotCoreFromProject, startBroker, type RunningBroker } from '../../tools/broker/index.ts';
import type { VirtualBoard } from '../../tools/sim/board.ts';
import { runCli } from '../helpers/cli.ts';
import { until } from '../helpers/until.ts';
import { bootOn, makeIotCoreFleet, type IotCoreFleet } from './fleet.ts';

let fleet: IotCoreFleet;
let broker: RunningBroker;
let boards: VirtualBoard[] = [];
let operator: string[];

before(async () => {
  fleet = await makeIotCoreFleet({ intervalSeconds: 10 });
  const file = (name: string): Buffer => readFileSync(path.join(fleet.certsDir, name));
  broker = await startBroker({
    port: 0,
    tls: { port: 0, cert: file('broker.pem'), key: file('broker.key'), ca: file('ca.pem'), requestClientCert: true },
    iotCore: iotCoreFromProject(fleet.project.devices, { certsDir: fleet.certsDir }),
    users: [{ username: 'operator', password: 'operator-secret-1' }],
  });
  operator = ['-b', broker.url, '-u', 'operator', '-P', 'operator-secret-1'];
  boards = [await bootOn(fleet.builds['dev-1'], broker.tlsPort!, 'dev-1'), await bootOn(fleet.builds['dev-2'], broker.tlsPort!, 'dev-2')];
  for (const b of boards) await b.waitForLine(/INFO mqtt connected/, 30_000, { fromStart: true });
});
after(async () => {
  await Promise.all(boards.map((b) => b.stop()));
  await broker?.close();
});

const cli = (args: string[]) => runCli(args, { cwd: fleet.dir, env: {} });

test('config push → the board applies interval and LED → its state acknowledges it; state reads it back', async () => {
  const [one] = boards;
  const pushed = await cli(['config', 'push', 'dev-1', '--set', 'interval=3', '--set', 'led=on', ...operator, '--json']);
  assert.equal(pushed.code, 0, pushed.stdout + pushed.stderr);
  const doc = pushed.json<{ ok: boolean; id: string; state: Record<string, unknown> }>();
  assert.equal(doc.ok, true);
  assert.deepEqual({ interval: doc.state.interval, led: doc.state.led, config: doc.state.config }, { interval: 3, led: 'on', config: { id: doc.id, ok: true } });
  // The pin reaches the host as a worker message, the state through the broker: nothing orders
  // the two, so wait for the pin (an LED that never lights times out).
  await until(() => one!.led === true, 'the LED pin is lit', 10_000);

  // Telemetry now comes every 3 s. Over two intervals (the schedule keeps its phase): one send
  // the host ran late moves the mean by half its lateness, not all of it.
  const sent = (): number[] => one!.console.filter((l) => l.line.includes('telemetry sent')).map((l) => l.at);
  const before = sent().length;
  await until(() => sent().length - before >= 3, 'three payloads after the push', 30_000);
  const times = sent().slice(before);
  const interval = (times[2]! - times[0]!) / 2;
  assert.ok(Math.abs(interval - 3000) < 600, `interval ${interval} ms (sends at ${times.map((t) => t - times[0]!).join(', ')} ms)`);

  const read = await cli(['state', 'dev-1', ...operator, '--json']);
  assert.equal(read.code, 0, read.stdout + read.stderr);
  const state = read.json<{ state: Record<string, unknown> }>().state;
  assert.deepEqual({ status: state.status, interval: state.interval, led: state.led, config: state.config }, { status: 'online', interval: 3, led: 'on', config: { id: doc.id, ok: true } });

  const human = await cli(['state', 'dev-1', ...operator]);
  assert.match(human.stdout, /interval +3 s/);
  assert.match(human.stdout, /config +applied \(id mpy-/);
});

test('config push refuses bad settings before publishing (exit 2 naming the flag)', async () => {
  for (const [setting, message] of [
    ['interval=0', /--set interval=0: expected seconds from 1 to 86400/],
    ['led=blink', /--set led=blink: expected on or off/],
    ['colour=red', /--set colour=red: unknown key 'colour'/],
  ] as const) {
    const run = await cli(['config', 'push', 'dev-2', '--set', setting, ...operator]);
    assert.equal(run.code, 2, setting);
    assert.match(run.stderr, message);
  }
  const nobody = await cli(['config', 'push', 'dev-9', '--set', 'led=on', ...operator]);
  assert.equal(nobody.code, 2);
  assert.match(nobody.stderr, /no device 'dev-9' in the project/);
});

test('a command on $registries/<id>/commands is answered by every device of the registry', async () => {
  const replies = await Promise.all(
    ['dev-1', 'dev-2'].map((d) => cli(['send', d, 'ping', '--registry', 'reg-1', ...operator, '--json'])),
  );
  for (const r of replies) {
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.json<{ commandTopic: string }>().commandTopic, '$registries/reg-1/commands');
  }
});
