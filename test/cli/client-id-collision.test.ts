// Two boards given one client id: the broker keeps only the newest connection, so they kick each
// other out forever. simulate, watch and verify must say so, naming both boards.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAedes, type TestBroker } from '../helpers/brokers.ts';
import { runCli } from '../helpers/cli.ts';
import { buildLab } from '../helpers/sim.ts';
import { until } from '../helpers/until.ts';

let broker: TestBroker;
let project: string;
before(async () => {
  broker = await startAedes();
  project = await buildLab({
    brokerUrl: broker.url,
    defaults: { mqtt: { url: broker.url, clientId: 'lab-shared' }, telemetry: { intervalSeconds: 1 } },
    devices: [
      { name: 'team-1', board: 'esp32', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01' } },
      { name: 'team-2', board: 'esp32', telemetry: { students: ['Петрова А.С'], group: 'БАГ-18-01' } },
    ],
  });
});
after(() => broker.stop());

test('a shared client id is reported by simulate, watch and verify, naming both boards', async () => {
  const watching = new AbortController();
  // simulate runs until it has reported the kicks (3 drops of one board), then is stopped as Ctrl-C:
  // a fixed --duration 14s left a loaded host, slow to boot two interpreters, too few kicks to report.
  const simulating = new AbortController();
  let simulated = '';
  const simulate = runCli(['simulate', '--jsonl'], { cwd: project, interrupt: simulating.signal, onStdout: (t) => (simulated += t) });
  await new Promise((r) => setTimeout(r, 1500));
  const watch = runCli(['watch'], { cwd: project, interrupt: watching.signal });
  const verify = await runCli(['verify', '--duration', '10s', '--json'], { cwd: project });
  watching.abort();
  try {
    await until(() => /"type":"client-id-collision"/.test(simulated), 'simulate reporting the kicks', 60_000);
  } finally {
    simulating.abort();
  }
  const [sim, watched] = await Promise.all([simulate, watch]);

  const reasons = verify.json<{ fleetReasons: string[] }>().fleetReasons;
  const reason = reasons.find((r) => r.startsWith('client id lab-shared'));
  assert.ok(reason, reasons.join('\n'));
  assert.match(reason, /is used by 2 boards: team-\d \(240ac4\w{6}\) and team-\d \(240ac4\w{6}\)/);
  assert.match(reason, /team-1/);
  assert.match(reason, /team-2/);
  assert.equal(verify.code, 1);

  assert.match(watched.stderr, /⚠ client id lab-shared is used by 2 boards: .*team-1.*team-2|⚠ client id lab-shared is used by 2 boards: .*team-2.*team-1/);

  const events = sim.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; board?: string; clientId?: string; sharedWith?: string[] });
  const kicks = events.filter((e) => e.type === 'client-id-collision');
  assert.ok(kicks.length >= 1, sim.stdout.slice(-2000));
  for (const k of kicks) {
    assert.equal(k.clientId, 'lab-shared');
    assert.deepEqual(k.sharedWith, [k.board === 'team-1' ? 'team-2' : 'team-1']);
  }
});
