// grade, result, send and config push with the operator's TLS flags (--cafile/--cert/--key) on a
// listener that takes nothing but a client certificate. The broker is Debian's mosquitto
// (require_certificate, use_identity_as_username): RESULT, where grade and result publish, is no
// IoT Core topic, so neither the cloud nor `broker --iot-core` lets a registry publish it, while a
// class's own mosquitto grants it to the teacher's certificate in its ACL; and a mosquitto listener
// has no password fallback, so a run that passes can only have logged in with the certificate.
// The embedded `--iot-core` broker is used for what it answers differently: refusing RESULT (to a
// project whose boards say they listen there; others get verdicts as `result` commands).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { iotCoreFromProject, startBroker } from '../../tools/broker/index.ts';
import { loadProject } from '../../tools/config/index.ts';
import { buildProject } from '../../tools/render/build.ts';
import type { VirtualBoard } from '../../tools/sim/board.ts';
import { hasMosquitto } from '../helpers/brokers.ts';
import { runCli } from '../helpers/cli.ts';
import { until } from '../helpers/until.ts';
import { bootOn, makeIotCoreFleet, type IotCoreFleet } from './fleet.ts';
import { startMosquittoTls, type MosquittoTls } from './mosquittoTls.ts';

// %u is the certificate's CN (use_identity_as_username). Devices: their own events (replies are
// events/reply), state, commands, config, and RESULT; the registry's certificate is the teacher's.
const ACL = [
  'pattern write $devices/%u/events/#',
  'pattern write $devices/%u/state',
  'pattern read $devices/%u/commands',
  'pattern read $devices/%u/config',
  'pattern read RESULT',
  'user reg-1',
  'topic read $devices/+/events/#',
  'topic read $devices/+/state',
  'topic write $devices/+/commands',
  'topic write $devices/+/config',
  'topic write RESULT',
  '',
].join('\n');

const REGISTRY = ['--cafile', 'certs/ca.pem', '--cert', 'certs/registries/reg-1.pem', '--key', 'certs/registries/reg-1.key'];

/** mosquitto logs each login, before its CONNACK, with the user name the certificate gave (use_identity_as_username). */
const REGISTRY_LOGIN = /as mpy-iot-\w+-[0-9a-f]+ \(.*u'reg-1'\)/;

/** Each command, as the operator types it (without the broker and TLS flags). */
const COMMANDS: Record<'grade' | 'result' | 'send' | 'config push', string[]> = {
  grade: ['grade', '--duration', '12s'],
  result: ['result', '-d', 'dev-1', '-m', 'see me after class'],
  send: ['send', 'dev-1', 'ping'],
  'config push': ['config', 'push', 'dev-2', '--set', 'led=on'],
};

/** The iot-core fleet whose boards also listen on RESULT (the template's boards listen on nothing). */
async function fleetListeningOnResult(): Promise<IotCoreFleet> {
  const fleet = await makeIotCoreFleet({ intervalSeconds: 2 });
  const file = path.join(fleet.dir, 'mpy-iot.json');
  const json = JSON.parse(readFileSync(file, 'utf8')) as { defaults: { listen: string[] } };
  json.defaults.listen = ['RESULT'];
  writeFileSync(file, JSON.stringify(json, null, 2));
  const project = loadProject({ project: fleet.dir, env: {} });
  await buildProject(project);
  const issued = await runCli(['certs', 'registry', 'reg-1'], { cwd: fleet.dir });
  assert.equal(issued.code, 0, issued.stderr);
  return { ...fleet, project };
}

describe('grade, result, send and config push log in with --cafile/--cert/--key on a certificate-only mosquitto', { skip: !hasMosquitto() && 'mosquitto is not installed (apt-get install mosquitto)' }, () => {
  let fleet: IotCoreFleet;
  let mosquitto: MosquittoTls;
  let broker: string[];
  let keyLines: string[];
  const boards: Record<string, VirtualBoard> = {};
  const cli = (args: string[]) => runCli(args, { cwd: fleet.dir, env: {} });
  const assertNoKey = (text: string): void => {
    for (const line of keyLines) assert.ok(!text.includes(line), 'a line of the private key was printed');
  };
  const registryLogins = (): number => (mosquitto.log().match(new RegExp(REGISTRY_LOGIN.source, 'g')) ?? []).length;

  before(async () => {
    fleet = await fleetListeningOnResult();
    keyLines = readFileSync(path.join(fleet.certsDir, 'registries/reg-1.key'), 'utf8').split('\n').filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l));
    mosquitto = await startMosquittoTls({ certsDir: fleet.certsDir, acl: ACL });
    broker = ['-b', `mqtts://127.0.0.1:${mosquitto.tlsPort}`];
    for (const id of ['dev-1', 'dev-2']) boards[id] = await bootOn(fleet.builds[id as 'dev-1' | 'dev-2'], mosquitto.tlsPort, id);
    for (const b of Object.values(boards)) await b.waitForLine(/INFO mqtt connected/, 30_000, { fromStart: true });
  });
  after(async () => {
    await Promise.all(Object.values(boards).map((b) => b.stop()));
    await mosquitto?.stop();
  });

  test('send: a ping to dev-1 and its reply, as the registry', async () => {
    const logins = registryLogins();
    const run = await cli([...COMMANDS.send, ...broker, ...REGISTRY, '--json']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const doc = run.json<{ ok: boolean; commandTopic: string; reply: { ok: boolean } }>();
    assert.deepEqual([doc.ok, doc.commandTopic, doc.reply.ok], [true, '$devices/dev-1/commands', true]);
    await mosquitto.waitForLog(REGISTRY_LOGIN, 'a login as reg-1 (the certificate)', logins + 1);
    assertNoKey(run.stdout + run.stderr);
  });

  test('config push: dev-2 lights its LED and its state acknowledges it', async () => {
    const run = await cli([...COMMANDS['config push'], ...broker, ...REGISTRY, '--json']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const doc = run.json<{ ok: boolean; id: string; state: { led: string; config: { id: string; ok: boolean } } }>();
    assert.deepEqual({ ok: doc.ok, led: doc.state.led, config: doc.state.config }, { ok: true, led: 'on', config: { id: doc.id, ok: true } });
    // The pin reaches the host as a worker message, the state through mosquitto: nothing orders the two.
    await until(() => boards['dev-2']!.led === true, "dev-2's LED pin is lit", 10_000);
  });

  test('result: the note for dev-1 is printed by dev-1 only; a class-wide one after it by both', async () => {
    const forOne = await cli([...COMMANDS.result, ...broker, ...REGISTRY]);
    assert.equal(forOne.code, 0, forOne.stdout + forOne.stderr);
    assert.match(forOne.stdout, /✓ RESULT → .*see me after class/);
    await boards['dev-1']!.waitForLine(/INFO result for my board: see me after class/, 20_000, { fromStart: true });
    const forAll = await cli(['result', '-m', 'lab closed', ...broker, ...REGISTRY]);
    assert.equal(forAll.code, 0, forAll.stdout + forAll.stderr);
    // One publisher after the other, each acknowledged: dev-2 got the note for dev-1 before this one.
    await boards['dev-2']!.waitForLine(/INFO result for everyone: lab closed/, 20_000, { fromStart: true });
    assert.ok(!boards['dev-2']!.console.some((l) => l.line.includes('see me after class')), "dev-2 printed dev-1's note");
    assertNoKey(forOne.stdout + forOne.stderr + forAll.stdout + forAll.stderr);
  });

  test('grade: both boards pass and each prints its own verdict from RESULT', async () => {
    const run = await cli([...COMMANDS.grade, ...broker, ...REGISTRY, '--json']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const doc = run.json<{ ok: boolean; published: boolean; teams: { device: string; passed: boolean }[] }>();
    assert.equal(doc.published, true);
    assert.deepEqual(doc.teams.map((t) => `${t.device}:${t.passed}`).sort(), ['dev-1:true', 'dev-2:true']);
    for (const b of Object.values(boards)) await b.waitForLine(/INFO result for my board: .*\[passed=true\]/, 20_000, { fromStart: true });
    assertNoKey(run.stdout + run.stderr);
  });

  test('each of them, given a key that is not the certificate\'s or a missing certificate: exit 2 naming the file, nothing sent', async () => {
    const wrongKey = ['--cafile', 'certs/ca.pem', '--cert', 'certs/registries/reg-1.pem', '--key', 'certs/devices/dev-1.key'];
    const missingCert = ['--cafile', 'certs/ca.pem', '--cert', 'certs/registries/reg-9.pem', '--key', 'certs/registries/reg-1.key'];
    const logins = registryLogins();
    for (const [name, args] of Object.entries(COMMANDS)) {
      const mismatched = await cli([...args, ...broker, ...wrongKey]);
      assert.equal(mismatched.code, 2, `${name}: ${mismatched.stdout}${mismatched.stderr}`);
      assert.match(mismatched.stderr, /--key certs\/devices\/dev-1\.key is not the key of --cert certs\/registries\/reg-1\.pem/, name);
      const missing = await cli([...args, ...broker, ...missingCert]);
      assert.equal(missing.code, 2, `${name}: ${missing.stdout}${missing.stderr}`);
      assert.match(missing.stderr, /--cert certs\/registries\/reg-9\.pem: cannot read it \(no such file\)/, name);
      assert.equal(mismatched.stdout + missing.stdout, '', `${name} printed a result`);
      assertNoKey(mismatched.stdout + mismatched.stderr + missing.stdout + missing.stderr);
    }
    // Refused before connecting: no login since (every earlier run's login was logged before its CONNACK).
    assert.equal(registryLogins(), logins);
  });
});

// Boards that do not listen on RESULT (the template's) get verdicts as commands instead
// (verdicts-commands.test.ts); a project that says its boards listen on RESULT still publishes there.
test("result with the registry's certificate on `broker --iot-core`, boards listening on RESULT: RESULT is refused (as IoT Core has no such topic), exit 3 naming it, no hang", { timeout: 120_000 }, async () => {
  const fleet = await makeIotCoreFleet();
  const projectFile = path.join(fleet.dir, 'mpy-iot.json');
  const json = JSON.parse(readFileSync(projectFile, 'utf8')) as { defaults: { listen: string[] } };
  json.defaults.listen = ['RESULT'];
  writeFileSync(projectFile, JSON.stringify(json, null, 2));
  assert.equal((await runCli(['certs', 'registry', 'reg-1'], { cwd: fleet.dir })).code, 0);
  const file = (name: string): Buffer => readFileSync(path.join(fleet.certsDir, name));
  const broker = await startBroker({
    port: 0,
    tls: { port: 0, cert: file('broker.pem'), key: file('broker.key'), ca: file('ca.pem'), requestClientCert: true },
    iotCore: iotCoreFromProject(fleet.project.devices, { certsDir: fleet.certsDir }),
  });
  try {
    const run = await runCli(['result', '-m', 'lab closed', '-b', broker.tlsUrl!, ...REGISTRY], { cwd: fleet.dir, env: {} });
    assert.equal(run.code, 3, run.stdout + run.stderr);
    assert.match(run.stderr, /dropped the connection instead of accepting the publish to RESULT: it does not let this login publish there/);
    assert.match(run.stderr, /a registry may publish only to \$devices\/<id>\/commands\|config of its devices and \$registries\/<id>\/commands\|config, so RESULT is refused/);
    // The dropped connection is the answer, not the 10 s wait for a PUBACK (before, the run never ended).
    assert.doesNotMatch(run.stderr, /no PUBACK/);
  } finally {
    await broker.close();
  }
});
