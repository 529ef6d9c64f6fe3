// The dashboard's HTTP side without a browser: who may send commands (403 read-only, wrong origin,
// token), what a malformed command is told (400 naming the field), that it listens on 127.0.0.1,
// and the CLI's bad input (exit 2 naming the flag). A real Aedes broker; no boards needed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import mqtt from 'mqtt';
import { commandToken } from '../../tools/cli/dashboard.ts';
import { loadProject } from '../../tools/config/index.ts';
import { startDashboard, type Dashboard } from '../../tools/dashboard/server.ts';
import { startAedes, type TestBroker } from '../helpers/brokers.ts';
import { runCli, tempDir } from '../helpers/cli.ts';
import { until } from '../helpers/until.ts';

const project = (brokerUrl: string): string =>
  tempDir({
    'mpy-iot.json': {
      defaults: { wifi: { ssid: 'lab', password: 'lab-password' }, mqtt: { url: brokerUrl }, telemetry: { intervalSeconds: 1 } },
      devices: [
        { name: 'team-1', board: 'esp32', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01' } },
        { name: 'team-2', board: 'esp32', telemetry: { students: ['Петрова А.С'], group: 'БАГ-18-01' } },
      ],
    },
  });

const post = (d: Dashboard, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(new URL('/api/command', d.url), { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('dashboard server', () => {
  let broker: TestBroker;
  let dir: string;
  const dashboards: Dashboard[] = [];
  const start = async (options: Partial<Parameters<typeof startDashboard>[0]> = {}): Promise<Dashboard> => {
    const d = await startDashboard({ url: broker.url, devices: loadProject({ project: dir, env: {} }).devices, port: 0, pushMs: 100, ...options });
    dashboards.push(d);
    return d;
  };

  before(async () => {
    broker = await startAedes();
    dir = project(broker.url);
  });
  after(async () => {
    await Promise.all(dashboards.map((d) => d.close()));
    await broker.stop();
  });

  test('listens on 127.0.0.1 by default; serves the page, uPlot from its npm package, and the state', async () => {
    const d = await start();
    assert.equal(d.address, '127.0.0.1', 'bound to loopback only');
    assert.match(d.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(d.url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<script src="\/vendor\/uPlot\.iife\.min\.js">/);
    const uplot = await fetch(new URL('/vendor/uPlot.iife.min.js', d.url));
    assert.equal(uplot.status, 200);
    assert.match(await uplot.text(), /uPlot/);
    const state = (await (await fetch(new URL('/api/state', d.url))).json()) as { cards: { device: string; presence: string; students: string[] }[]; commands: boolean };
    assert.deepEqual(state.cards.map((c) => [c.device, c.presence, c.students]), [['team-1', 'silent', ['Иванов И.И']], ['team-2', 'silent', ['Петрова А.С']]]);
    assert.equal(state.commands, false);
    assert.equal((await fetch(new URL('/nope', d.url))).status, 404);
    // A site rebinding its name to 127.0.0.1 asks with its own name in Host: refused.
    const rebound = await new Promise<number>((resolve, reject) => {
      http.get(new URL('/api/state', d.url), { headers: { Host: `evil.example:${d.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    assert.equal(rebound, 403);
    assert.equal((await fetch(`http://localhost:${d.port}/api/state`)).status, 200);
  });

  test('a read-only dashboard answers commands with 403 and how to turn them on', async () => {
    const d = await start();
    const res = await post(d, { action: 'ping', device: 'team-1' });
    assert.equal(res.status, 403);
    assert.match(((await res.json()) as { error: string }).error, /read-only.*--allow-commands/);
  });

  test('with commands on: a page of another site is refused, a bad command is told which field is wrong', async () => {
    const d = await start({ allowCommands: true });
    assert.equal((await post(d, { action: 'ping', device: 'team-1' }, { Origin: 'http://evil.example' })).status, 403);
    const badAction = await post(d, { action: 'reboot', device: 'team-1' });
    assert.equal(badAction.status, 400);
    assert.match(((await badAction.json()) as { error: string }).error, /^action: expected one of ping, led, result, result-all, got "reboot"/);
    const noDevice = await post(d, { action: 'ping', device: 'team-9' });
    assert.equal(noDevice.status, 400);
    assert.match(((await noDevice.json()) as { error: string }).error, /device: no device 'team-9'.*team-1, team-2/);
    const notJson = await fetch(new URL('/api/command', d.url), { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'ping' });
    assert.equal(notJson.status, 415);
    // A body over the limit is answered (not a reset connection), saying what was wrong.
    const huge = await post(d, { action: 'result', device: 'team-1', message: 'x'.repeat(64 * 1024) });
    assert.equal(huge.status, 400);
    assert.match(((await huge.json()) as { error: string }).error, /larger than 4096 bytes/);
    // Nobody answers the ping: a device error (504) naming the device's command topic, not a hang.
    const silent = await post(d, { action: 'ping', device: 'team-2' });
    assert.equal(silent.status, 504);
    assert.match(((await silent.json()) as { error: string }).error, /no reply to "ping".*within 5000 ms/);
  });

  test('with a token, commands need it; RESULT goes out as grade would address it', async () => {
    const d = await start({ allowCommands: true, token: 'class-secret-42' });
    assert.equal((await post(d, { action: 'result-all' })).status, 403);
    assert.equal((await post(d, { action: 'result-all' }, { 'X-Dashboard-Token': 'wrong-token-42' })).status, 403);
    const listener = await mqtt.connectAsync(broker.url);
    const heard: string[] = [];
    listener.on('message', (_t, p) => heard.push(p.toString('utf8')));
    await listener.subscribeAsync('RESULT');
    const ok = await post(d, { action: 'result', device: 'team-1' }, { 'X-Dashboard-Token': 'class-secret-42' });
    assert.equal(ok.status, 200, await ok.clone().text());
    await until(() => heard.length > 0, 'the RESULT heard');
    await listener.endAsync();
    const result = JSON.parse(heard[0]!) as Record<string, unknown>;
    assert.equal(result.device, 'team-1');
    assert.equal(result.group, 'БАГ-18-01');
    assert.equal(result.passed, false);
    assert.match(String(result.message), /^Иванов И\.И — /);
  });

  test('a page the LAN can open gets a command token; one only this computer can open does not', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10']) assert.match(commandToken(host, true) ?? '', /^[0-9a-f]{24}$/, host);
    assert.notEqual(commandToken('0.0.0.0', true), commandToken('0.0.0.0', true));
    for (const host of ['127.0.0.1', 'localhost', '::1']) assert.equal(commandToken(host, true), undefined, host);
    assert.equal(commandToken('0.0.0.0', false), undefined, 'read-only: no token, no commands');
    assert.equal(commandToken('127.0.0.1', true, 'my-own-token'), 'my-own-token');
  });

  test('CLI: a bad --port, --token or a port in use is bad input (exit 2) naming the flag', async () => {
    const port = await runCli(['dashboard', '--port', 'eighty'], { cwd: dir });
    assert.equal(port.code, 2);
    assert.match(port.stderr, /--port: 'eighty' is not a TCP port/);
    const token = await runCli(['dashboard', '--token', 'short'], { cwd: dir });
    assert.equal(token.code, 2);
    assert.match(token.stderr, /--token: use at least 8 printable characters/);
    const busy = await start();
    const inUse = await runCli(['dashboard', '--port', String(busy.port)], { cwd: dir });
    assert.equal(inUse.code, 2);
    assert.match(inUse.stderr, new RegExp(`port ${busy.port} on 127\\.0\\.0\\.1 is already in use`));
    const dashboard = await runCli(['demo', '--dashboard', 'x'], { cwd: dir });
    assert.equal(dashboard.code, 2);
    assert.match(dashboard.stderr, /--dashboard: 'x' is not a TCP port/);
  });

  test('CLI: an unreachable broker is a transport error (exit 3), and nothing is left listening', async () => {
    const run = await runCli(['dashboard', '--port', '0', '-b', 'mqtt://127.0.0.1:1'], { cwd: dir });
    assert.equal(run.code, 3);
    assert.match(run.stderr, /127\.0\.0\.1:1/);
  });
});
