// A broker URL that points at something else (a web server, an echo service) fails at once with
// "… is not an MQTT broker", exit 3, for every command that connects: not mqtt.js's parse error.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { labProjectJson, runCli, tempDir } from '../helpers/cli.ts';
import { runnableClock } from '../helpers/clock.ts';

const now = runnableClock();

async function listen(server: net.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

const servers: [string, () => net.Server, RegExp][] = [
  ['an HTTP server', () => http.createServer((_req, res) => res.end('hello')), /what it answered is not MQTT/],
  ['a TCP echo server', () => net.createServer((socket) => socket.pipe(socket)), /it answered the MQTT CONNECT with CONNECT \(an echo server\?\)/],
];

for (const [what, create, detail] of servers) {
  test(`-b pointing at ${what}: "is not an MQTT broker", exit 3, without waiting for a timeout`, async () => {
    const url = await listen(create());
    const project = tempDir({ 'mpy-iot.json': labProjectJson() });
    for (const args of [['result', '-m', 'x'], ['send', 'team-1', 'ping'], ['watch'], ['verify', '--duration', '5s'], ['grade', '--duration', '5s']]) {
      const started = now();
      const run = await runCli([...args, '-b', url, '--no-color'], { cwd: project });
      const label = `${args[0]} -b ${what}`;
      assert.equal(run.code, 3, `${label}: ${run.stderr}`);
      assert.match(run.stderr, new RegExp(`mpy-iot: ${url.replace(/[.]/g, '\\.')} is not an MQTT broker: `), label);
      assert.match(run.stderr, detail, label);
      assert.match(run.stderr, /fix: something else \(a web server\?\) listens on that port/, label);
      assert.doesNotMatch(run.stderr, /Invalid header flag bits|puback/, label);
      // Not waiting for mqtt.js's 10 s CONNACK timeout: read on this thread's own clock, which a
      // busy CI machine's other work does not advance.
      assert.ok(now() - started < 9000, `${label}: took ${now() - started} ms`);
    }
  });
}
