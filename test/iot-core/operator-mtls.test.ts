// The operator's commands on a broker that wants a certificate from everyone: Debian's mosquitto
// with ONLY an mTLS listener (require_certificate, use_identity_as_username, an ACL in IoT Core's
// shape where the registry reg-1 may read every device's events and state). Virtual boards publish
// over mTLS; `verify`/`watch`/`state` log in with the registry's certificate (--cafile/--cert/--key), and
// without it they say what is missing (exit 3) or which flag is wrong (exit 2).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { VirtualBoard } from '../../tools/sim/board.ts';
import { hasMosquitto } from '../helpers/brokers.ts';
import { runCli, tempDir } from '../helpers/cli.ts';
import { until } from '../helpers/until.ts';
import { assertBothBoardsVerified, bootOn, makeIotCoreFleet, type IotCoreFleet } from './fleet.ts';
import { startMosquittoTls, type MosquittoTls } from './mosquittoTls.ts';

// %u is the certificate's CN (use_identity_as_username): a device's id, or the registry's.
const ACL = [
  'pattern write $devices/%u/events',
  'pattern write $devices/%u/state',
  'pattern read $devices/%u/commands',
  'pattern read $devices/%u/config',
  'user reg-1',
  'topic read $devices/+/events',
  'topic read $devices/+/state',
  'topic write $devices/+/commands',
  'topic write $devices/+/config',
  '',
].join('\n');

const REGISTRY = ['--cafile', 'certs/ca.pem', '--cert', 'certs/registries/reg-1.pem', '--key', 'certs/registries/reg-1.key'];

describe('operator commands with a client certificate on a certificate-only mosquitto', { skip: !hasMosquitto() && 'mosquitto is not installed (apt-get install mosquitto)' }, () => {
  let fleet: IotCoreFleet;
  let mosquitto: MosquittoTls;
  let tlsPort: number;
  let broker: string[];
  let registryKeyLines: string[];
  const boards: VirtualBoard[] = [];
  const log = (): string => mosquitto.log();
  const cli = (args: string[], options: Omit<Parameters<typeof runCli>[1], 'cwd'> = {}) => runCli(args, { cwd: fleet.dir, env: {}, ...options });
  /** No line of the registry's private key in what a run printed. */
  const assertNoKey = (text: string): void => {
    for (const line of registryKeyLines) assert.ok(!text.includes(line), 'a line of the private key was printed');
  };

  before(async () => {
    fleet = await makeIotCoreFleet({ intervalSeconds: 2 });
    const issued = await runCli(['certs', 'registry', 'reg-1'], { cwd: fleet.dir });
    assert.equal(issued.code, 0, issued.stderr);
    registryKeyLines = readFileSync(path.join(fleet.certsDir, 'registries/reg-1.key'), 'utf8').split('\n').filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l));
    // The only listener is mTLS: no plain port for the operator to fall back on.
    mosquitto = await startMosquittoTls({ certsDir: fleet.certsDir, acl: ACL });
    tlsPort = mosquitto.tlsPort;
    broker = ['-b', `mqtts://127.0.0.1:${tlsPort}`];
    for (const id of ['dev-1', 'dev-2'] as const) boards.push(await bootOn(fleet.builds[id], tlsPort, id));
    for (const b of boards) await b.waitForLine(/INFO mqtt connected/, 30_000, { fromStart: true });
  });
  after(async () => {
    await Promise.all(boards.map((b) => b.stop()));
    await mosquitto?.stop();
  });

  test("verify logs in as the registry (its certificate) and judges both boards' events", async () => {
    const run = await cli(['verify', ...broker, ...REGISTRY, '--expect-devices', '2', '--duration', '5s', '--json', '--verbose']);
    assertBothBoardsVerified(run);
    // mosquitto took the certificate's CN as the user name: the ACL's reg-1 read the events.
    assert.match(log(), /as mpy-iot-watch-[0-9a-f]+ \(.*u'reg-1'\)/);
    assertNoKey(run.stdout + run.stderr);
  });

  test('state reads a board\'s state with the registry certificate in DER (as `certs` writes it for the ESP8266)', async () => {
    const der = ['--cafile', 'certs/ca.der', '--cert', 'certs/registries/reg-1.der', '--key', 'certs/registries/reg-1.key.der'];
    const run = await cli(['state', 'dev-1', ...broker, ...der, '--json']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(run.json<{ state: { status: string } }>().state.status, 'online');
  });

  test('watch --jsonl over the same flags streams the boards\' events until Ctrl-C', async () => {
    const stop = new AbortController();
    let out = '';
    const seen = (id: string): boolean => out.split('\n').some((l) => l.includes('"type":"message"') && l.includes(`$devices/${id}/events`) && l.includes('"valid":true'));
    const running = cli(['watch', ...broker, ...REGISTRY, '--jsonl'], { interrupt: stop.signal, onStdout: (t) => (out += t) });
    try {
      await until(() => seen('dev-1') && seen('dev-2'), 'valid events of dev-1 and dev-2');
    } finally {
      stop.abort();
    }
    const run = await running;
    assert.equal(run.code, 130, run.stderr);
    assert.match(run.stdout.trim().split('\n').at(-1)!, /"type":"summary"/);
  });

  test('without a client certificate: exit 3, "the broker wants a client certificate", and how to give one', async () => {
    const run = await cli(['verify', ...broker, '--cafile', 'certs/ca.pem', '--expect-devices', '2', '--duration', '5s']);
    assert.equal(run.code, 3, run.stdout + run.stderr);
    assert.match(run.stderr, /could not connect to mqtts:\/\/127\.0\.0\.1:\d+: TLS: the broker wants a client certificate/);
    assert.match(run.stderr, /--cert certs\/registries\/<id>\.pem --key certs\/registries\/<id>\.key/);
    assert.doesNotMatch(run.stderr, /deps\/openssl|SSL routines/, "OpenSSL's own text stays out of the message");
    assert.doesNotMatch(run.stdout, /passed/);
  });

  test("without --cafile the class broker is not trusted: exit 3 naming --cafile; the key is not printed", async () => {
    const run = await cli(['state', 'dev-1', ...broker, '--cert', 'certs/registries/reg-1.pem', '--key', 'certs/registries/reg-1.key', '--verbose']);
    assert.equal(run.code, 3, run.stdout + run.stderr);
    assert.match(run.stderr, /TLS: the broker's certificate is not signed by a CA this computer trusts/);
    assert.match(run.stderr, /--cafile certs\/ca\.pem/);
    assertNoKey(run.stdout + run.stderr);
  });

  test("a registry certificate from another CA: exit 3, the broker does not trust its CA", async () => {
    const other = tempDir();
    for (const args of [['certs', 'init'], ['certs', 'registry', 'reg-1']]) assert.equal((await runCli(args, { cwd: other })).code, 0);
    const run = await cli(['state', 'dev-1', ...broker, '--cafile', 'certs/ca.pem', '--cert', path.join(other, 'certs/registries/reg-1.pem'), '--key', path.join(other, 'certs/registries/reg-1.key')]);
    assert.equal(run.code, 3, run.stdout + run.stderr);
    assert.match(run.stderr, /TLS: the broker does not trust the CA that signed the client certificate \(--cert\)/);
  });

  test('--cert without --key, a key that is not the certificate\'s, a swapped pair, a missing file: exit 2 naming the flag and file', async () => {
    const cases: [string[], RegExp][] = [
      [['--cert', 'certs/registries/reg-1.pem'], /--cert certs\/registries\/reg-1\.pem needs its private key: --key is missing[\s\S]*certs\/registries\/reg-1\.key/],
      [['--key', 'certs/registries/reg-1.key'], /--key certs\/registries\/reg-1\.key needs its certificate: --cert is missing/],
      [['--cert', 'certs/registries/reg-1.pem', '--key', 'certs/devices/dev-1.key'], /--key certs\/devices\/dev-1\.key is not the key of --cert certs\/registries\/reg-1\.pem/],
      [['--cert', 'certs/registries/reg-1.key', '--key', 'certs/registries/reg-1.pem'], /--cert certs\/registries\/reg-1\.key: it holds a private key, not a certificate[\s\S]*swap them/],
      [['--cafile', 'certs/nope.pem'], /--cafile certs\/nope\.pem: cannot read it \(no such file\)/],
      [['--cafile', 'certs/ca.key'], /--cafile certs\/ca\.key: it holds a private key, not a certificate/],
    ];
    for (const [flags, message] of cases) {
      const run = await cli(['verify', ...broker, ...flags, '--duration', '1s']);
      assert.equal(run.code, 2, `${flags.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stderr, /verifying on/, 'refused before connecting');
      assertNoKey(run.stdout + run.stderr);
    }
    // The flags on a plain mqtt:// URL would be silently unused: refused, naming the fix.
    const plain = await cli(['verify', '-b', 'mqtt://127.0.0.1:1883', ...REGISTRY]);
    assert.equal(plain.code, 2, plain.stderr);
    assert.match(plain.stderr, /--cafile, --cert, --key are for a TLS broker, but the broker URL mqtt:\/\/127\.0\.0\.1:1883 is mqtt:\/\/ \(no TLS\)/);
  });
});
