// `mpy-iot certs`: what it writes is standard X.509 (openssl verifies it), keys stay private
// (0600, never printed), and the build ships the files to the board in the form its TLS reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { issueClient } from '../../tools/certs/index.ts';
import { loadProject } from '../../tools/config/index.ts';
import { buildProject } from '../../tools/render/build.ts';
import { runCli, tempDir } from '../helpers/cli.ts';

function openssl(args: string[], cwd: string): { ok: boolean; out: string } {
  const run = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  return { ok: run.status === 0, out: `${run.stdout}${run.stderr}` };
}

const mode = (file: string): number => statSync(file).mode & 0o777;

test('certs init / device / registry write a CA-signed chain that openssl verifies, keys 0600 and never printed', async () => {
  const dir = tempDir();
  const runs = [await runCli(['certs', 'init'], { cwd: dir }), await runCli(['certs', 'device', 'dev-1'], { cwd: dir }), await runCli(['certs', 'registry', 'reg-1'], { cwd: dir })];
  for (const run of runs) {
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout + run.stderr, /PRIVATE KEY|MII[A-Za-z0-9+/]{20}/, 'no key material on the terminal');
  }
  for (const cert of ['certs/broker.pem', 'certs/devices/dev-1.pem', 'certs/registries/reg-1.pem']) {
    const verified = openssl(['verify', '-CAfile', 'certs/ca.pem', cert], dir);
    assert.ok(verified.ok, verified.out);
    assert.match(verified.out, new RegExp(`${cert}: OK`));
  }
  // The device's certificate names it, is for TLS clients, and its key (PEM and DER) is the one it certifies.
  const text = openssl(['x509', '-in', 'certs/devices/dev-1.pem', '-noout', '-subject', '-ext', 'extendedKeyUsage'], dir).out;
  assert.match(text, /subject=CN = dev-1/);
  assert.match(text, /TLS Web Client Authentication/);
  const modulus = (args: string[]): string => openssl(args, dir).out.trim();
  const certModulus = modulus(['x509', '-in', 'certs/devices/dev-1.der', '-inform', 'der', '-noout', '-modulus']);
  assert.match(certModulus, /^Modulus=[0-9A-F]{512}$/);
  assert.equal(modulus(['rsa', '-in', 'certs/devices/dev-1.key', '-noout', '-modulus']), certModulus);
  assert.equal(modulus(['rsa', '-in', 'certs/devices/dev-1.key.der', '-inform', 'der', '-noout', '-modulus']), certModulus);
  // The broker's certificate is valid for this computer's names.
  assert.match(openssl(['x509', '-in', 'certs/broker.pem', '-noout', '-ext', 'subjectAltName'], dir).out, /IP Address:127\.0\.0\.1.*DNS:localhost/s);
  for (const key of ['certs/ca.key', 'certs/broker.key', 'certs/devices/dev-1.key', 'certs/devices/dev-1.key.der', 'certs/registries/reg-1.key']) {
    assert.equal(mode(path.join(dir, key)).toString(8), '600', key);
  }
  assert.equal(mode(path.join(dir, 'certs/devices/dev-1.pem')).toString(8), '644');
});

test('certs list shows subject, the fingerprint openssl computes, expiry and whether ca.pem signed it', async () => {
  const dir = tempDir();
  assert.equal((await runCli(['certs', 'init', '--days', '30'], { cwd: dir })).code, 0);
  await issueClient(path.join(dir, 'certs'), 'device', 'dev-1');
  await issueClient(path.join(dir, 'certs'), 'device', 'old-1', { validity: { notBefore: new Date('2024-01-01'), notAfter: new Date('2024-06-01') } });
  const other = tempDir();
  await runCli(['certs', 'init'], { cwd: other });
  await issueClient(path.join(other, 'certs'), 'device', 'stray');
  // A certificate from another CA, copied into this folder.
  const stray = readFileSync(path.join(other, 'certs/devices/stray.pem'));
  writeFileSync(path.join(dir, 'certs/devices/stray.pem'), stray);

  const run = await runCli(['certs', 'list', '--json'], { cwd: dir });
  assert.equal(run.code, 0, run.stderr);
  const certs = run.json<{ certificates: { kind: string; cn: string; fingerprint256: string; daysLeft: number; signedByCa: boolean; file: string }[] }>().certificates;
  assert.deepEqual(certs.map((c) => `${c.kind}:${c.cn}`), ['ca:mpy-iot CA', 'server:localhost', 'device:dev-1', 'device:old-1', 'device:stray']);
  const dev = certs.find((c) => c.cn === 'dev-1')!;
  const fingerprint = openssl(['x509', '-in', dev.file, '-noout', '-fingerprint', '-sha256'], dir).out.trim();
  assert.equal(fingerprint, `sha256 Fingerprint=${dev.fingerprint256}`);
  const caDaysLeft = certs.find((c) => c.kind === 'ca')!.daysLeft;
  assert.ok(caDaysLeft <= 30);
  assert.equal(dev.daysLeft, caDaysLeft, 'a device certificate (365 days by default) ends with its 30-day CA');
  assert.ok(certs.find((c) => c.cn === 'old-1')!.daysLeft < 0);
  assert.equal(certs.find((c) => c.cn === 'stray')!.signedByCa, false);
  assert.equal(dev.signedByCa, true);

  const human = await runCli(['certs', 'list'], { cwd: dir, env: { NO_COLOR: '1' } });
  assert.match(human.stdout, /old-1 +expired 2024-06-01/);
  assert.match(human.stdout, /stray .*NOT signed by ca\.pem/);
});

test('bad input: exit 2 with the fix, nothing replaced or half-written', async () => {
  const dir = tempDir();
  const noCa = await runCli(['certs', 'device', 'dev-1'], { cwd: dir });
  assert.equal(noCa.code, 2);
  assert.match(noCa.stderr, /no CA in .*certs.*run `mpy-iot certs init` first/s);

  assert.equal((await runCli(['certs', 'init'], { cwd: dir })).code, 0);
  const ca = readFileSync(path.join(dir, 'certs/ca.pem'), 'utf8');
  const again = await runCli(['certs', 'init'], { cwd: dir });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /a CA already exists.*--force/s);
  assert.equal(readFileSync(path.join(dir, 'certs/ca.pem'), 'utf8'), ca, 'the CA is untouched');

  const badId = await runCli(['certs', 'device', 'a/b'], { cwd: dir });
  assert.equal(badId.code, 2);
  assert.match(badId.stderr, /device id 'a\/b' is not a valid id/);
  const badDays = await runCli(['certs', 'device', 'dev-2', '--days', '0'], { cwd: dir });
  assert.equal(badDays.code, 2);
  assert.match(badDays.stderr, /--days 0: expected a whole number of days/);
  const noName = await runCli(['certs', 'registry'], { cwd: dir });
  assert.equal(noName.code, 2);
  assert.match(noName.stderr, /certs registry needs the registry id/);
  const unknown = await runCli(['certs', 'renew'], { cwd: dir });
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Invalid values:.*action.*renew/s);

  assert.equal((await runCli(['certs', 'device', 'dev-1'], { cwd: dir })).code, 0);
  const twice = await runCli(['certs', 'device', 'dev-1'], { cwd: dir });
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /a certificate for device 'dev-1' already exists/);
  assert.equal((await runCli(['certs', 'device', 'dev-1', '--force'], { cwd: dir })).code, 0);
});

test('the build puts the PEM files on an ESP32 and their DER forms on an ESP8266', async () => {
  const dir = tempDir();
  await runCli(['certs', 'init'], { cwd: dir });
  await runCli(['certs', 'device', 'dev-1'], { cwd: dir });
  await runCli(['certs', 'device', 'dev-2'], { cwd: dir });
  const tls = (id: string): Record<string, string> => ({ ca: 'certs/ca.pem', cert: `certs/devices/${id}.pem`, key: `certs/devices/${id}.key` });
  writeFileSync(
    path.join(dir, 'mpy-iot.json'),
    JSON.stringify({
      defaults: { wifi: { ssid: 'lab-wifi', password: 'lab-password' }, mqtt: { url: 'mqtts://127.0.0.1:8883' }, telemetry: { topics: ['$devices/{deviceId}/events'], sensor: 'simulated' } },
      devices: [
        { name: 'dev-1', board: 'esp32', mqtt: { tls: tls('dev-1') } },
        { name: 'dev-2', board: 'esp8266', mqtt: { tls: tls('dev-2') } },
      ],
    }),
  );
  await buildProject(loadProject({ project: dir, env: {} }));
  const file = (p: string): Buffer => readFileSync(path.join(dir, p));
  assert.deepEqual(file('build/dev-1/certs/cert.pem'), file('certs/devices/dev-1.pem'));
  assert.deepEqual(file('build/dev-1/certs/key.pem'), file('certs/devices/dev-1.key'));
  assert.deepEqual(file('build/dev-1/certs/ca.pem'), file('certs/ca.pem'));
  assert.deepEqual(file('build/dev-2/certs/cert.der'), file('certs/devices/dev-2.der'));
  assert.deepEqual(file('build/dev-2/certs/key.der'), file('certs/devices/dev-2.key.der'));
  assert.deepEqual(file('build/dev-2/certs/ca.der'), file('certs/ca.der'));
  // The build does not undo `certs`' 0600: keys, and config.py with the Wi-Fi password, owner only.
  for (const secret of ['build/dev-1/certs/key.pem', 'build/dev-2/certs/key.der', 'build/dev-1/config.py']) {
    assert.equal(mode(path.join(dir, secret)).toString(8), '600', secret);
  }
  assert.equal(mode(path.join(dir, 'build/dev-1/main.py')).toString(8), '644');
});

test('a certificate never outlives its CA (capped, and said so); the CA and the broker get no unused DER key', async () => {
  const dir = tempDir();
  assert.equal((await runCli(['certs', 'init', '--days', '30'], { cwd: dir })).code, 0);
  const run = await runCli(['certs', 'device', 'dev-9', '--days', '365'], { cwd: dir, env: { NO_COLOR: '1' } });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /valid until \d{4}-\d{2}-\d{2} only: the CA expires then/);
  const end = (file: string): string => openssl(['x509', '-in', path.join(dir, 'certs', file), '-noout', '-enddate'], dir).out.trim();
  assert.equal(end('devices/dev-9.pem'), end('ca.pem'), 'the device certificate ends when the CA does');
  assert.ok(openssl(['verify', '-CAfile', path.join(dir, 'certs/ca.pem'), path.join(dir, 'certs/devices/dev-9.pem')], dir).ok);
  assert.equal(existsSync(path.join(dir, 'certs/ca.key.der')), false);
  assert.equal(existsSync(path.join(dir, 'certs/broker.key.der')), false);
  assert.equal(existsSync(path.join(dir, 'certs/devices/dev-9.key.der')), true, 'an ESP8266 reads a DER key');
  const short = await runCli(['certs', 'device', 'dev-10', '--days', '7'], { cwd: dir, env: { NO_COLOR: '1' } });
  assert.equal(short.code, 0, short.stderr);
  assert.match(short.stdout, /dev-10/);
  assert.doesNotMatch(short.stdout, /valid until/, 'a certificate inside the CA\'s life is not capped');
});
