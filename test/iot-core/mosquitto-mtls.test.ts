// The same certificate files on Debian's mosquitto (require_certificate, use_identity_as_username,
// an ACL in IoT Core's shape): proof that what `mpy-iot certs` makes is standard X.509. The boards
// publish $devices/<id>/events over mTLS and `verify` validates them over a plain listener; wrong
// certificates are refused, and mosquitto's log and the board's console say so.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { VirtualBoard } from '../../tools/sim/board.ts';
import { hasMosquitto } from '../helpers/brokers.ts';
import { runCli } from '../helpers/cli.ts';
import { assertBothBoardsVerified, bootOn, makeIotCoreFleet, type IotCoreFleet } from './fleet.ts';
import { startMosquittoTls, type MosquittoTls } from './mosquittoTls.ts';

// IoT Core's rules as a mosquitto ACL: %u is the certificate's CN (use_identity_as_username).
const ACL = [
  'pattern write $devices/%u/events',
  'pattern write $devices/%u/events/#',
  'pattern write $devices/%u/state',
  'pattern read $devices/%u/commands',
  'pattern read $devices/%u/config',
  'topic read $registries/reg-1/commands',
  '',
].join('\n');

describe('mTLS with the same files on mosquitto', { skip: !hasMosquitto() && 'mosquitto is not installed (apt-get install mosquitto)' }, () => {
  let fleet: IotCoreFleet;
  let mosquitto: MosquittoTls;
  let tlsPort: number;
  let plainPort: number;
  const boards: VirtualBoard[] = [];
  const log = (): string => mosquitto.log();

  before(async () => {
    fleet = await makeIotCoreFleet({ intervalSeconds: 2 });
    mosquitto = await startMosquittoTls({ certsDir: fleet.certsDir, acl: ACL, plainListener: true });
    tlsPort = mosquitto.tlsPort;
    plainPort = mosquitto.plainPort!;
  });
  after(async () => {
    await Promise.all(boards.map((b) => b.stop()));
    await mosquitto?.stop();
  });

  const boot = async (build: keyof IotCoreFleet['builds']): Promise<VirtualBoard> => {
    const board = await bootOn(fleet.builds[build], tlsPort, build);
    boards.push(board);
    return board;
  };

  test('an ESP32 and an ESP8266 log in as their certificate CN and publish $devices/<id>/events; verify passes', async () => {
    const [one, two] = [await boot('dev-1'), await boot('dev-2')];
    await one.waitForLine(/INFO mqtt connected/, 30_000, { fromStart: true });
    await two.waitForLine(/INFO mqtt connected/, 30_000, { fromStart: true });
    assert.match(log(), new RegExp(`as mpy-iot-${one.mac} \\(.*u'dev-1'\\)`));
    assert.match(log(), new RegExp(`as mpy-iot-${two.mac} \\(.*u'dev-2'\\)`));
    const run = await runCli(['verify', '-b', `mqtt://127.0.0.1:${plainPort}`, '--duration', '5s', '--json'], { cwd: fleet.dir, env: {} });
    assertBothBoardsVerified(run);
    assert.doesNotMatch(log(), /Denied PUBLISH/);
    await Promise.all([one.stop(), two.stop()]);
  });

  test("another CA's and an expired certificate fail the handshake; another device's cannot publish as dev-1", async () => {
    const wrongCa = await boot('wrong-ca');
    assert.match(await wrongCa.waitForLine(/connect failed/, 30_000, { fromStart: true }), /connect failed \(.*TLS: .*alert unknown ca/);
    const expired = await boot('expired');
    assert.match(await expired.waitForLine(/connect failed/, 30_000, { fromStart: true }), /connect failed \(.*TLS: .*alert certificate expired/);
    await mosquitto.waitForLog(/OpenSSL Error\[0\]: .*certificate verify failed/, 'both refused handshakes', 2);

    const other = await boot('other-device');
    await other.waitForLine(/INFO mqtt connected/, 30_000, { fromStart: true });
    await other.waitForLine(/telemetry sent/, 30_000, { fromStart: true });
    await mosquitto.waitForLog(new RegExp(`Denied PUBLISH from mpy-iot-${other.mac} \\(.*'\\$devices/dev-1/events'`), 'the denied telemetry');
    // mosquitto knows it as dev-2 and drops what it sends to dev-1's topics (MQTT 3.1.1 cannot say no to a PUBLISH).
    assert.match(log(), new RegExp(`as mpy-iot-${other.mac} \\(.*u'dev-2'\\)`));
    assert.match(log(), new RegExp(`Denied PUBLISH from mpy-iot-${other.mac} \\(.*'\\$devices/dev-1/state'`));
    assert.match(log(), new RegExp(`Denied PUBLISH from mpy-iot-${other.mac} \\(.*'\\$devices/dev-1/events'`));
  });
});
