// Deploy a build over the raw REPL to a blank virtual board; it then publishes to a real broker.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadProject } from '../../tools/config/index.ts';
import { ReplClient, type ReplTransport } from '../../tools/repl/client.ts';
import { deploy } from '../../tools/repl/deploy.ts';
import { buildProject } from '../../tools/render/build.ts';
import { DeviceError } from '../../tools/errors.ts';
import { startAedes } from '../helpers/brokers.ts';
import { boardTransport } from '../helpers/boardTransport.ts';
import { bootBoard, buildLab } from '../helpers/sim.ts';
import { until } from '../helpers/until.ts';

test('deploy to a blank board, incremental re-deploy, and a cut upload that leaves main.py intact', async () => {
  const broker = await startAedes();
  const project = await buildLab({ brokerUrl: broker.url, devices: [{ name: 'dev', board: 'esp8266', telemetry: { students: ['Иванов И.И'], group: 'БАГ-18-01', sensor: 'simulated' } }] });
  const buildDir = path.join(project, 'build', 'dev');
  const board = await bootBoard(project, 'dev', { blank: true });
  let repl = new ReplClient(boardTransport(board));
  after(async () => {
    repl.close();
    await board.stop();
    await broker.stop();
  });

  // 1. Everything goes over; the board then runs the firmware and publishes valid telemetry.
  const first = await deploy(repl, buildDir);
  const manifest = JSON.parse(readFileSync(path.join(buildDir, 'manifest.json'), 'utf8')) as { files: { path: string }[] };
  assert.deepEqual(first.uploaded.sort(), manifest.files.map((f) => f.path).sort());
  assert.equal(first.encoding, 'deflate');
  await repl.restartProgram();
  await board.waitForLine(/telemetry sent/, 15_000);
  await until(() => broker.published.some((p) => p.topic === `DATA/${board.mac}`), 'DATA at the broker');
  const payload = broker.published.find((p) => p.topic === `DATA/${board.mac}`);
  assert.ok(payload, 'telemetry reached the broker');
  assert.match(payload.payload.toString('utf8'), /^\{"temperature": [\d.]+, "students": \["Иванов И\.И"\], "group": "БАГ-18-01"\}$/);

  // 2. Change one setting: only config.py travels.
  const file = path.join(project, 'mpy-iot.json');
  const json = JSON.parse(readFileSync(file, 'utf8'));
  json.defaults.telemetry.intervalSeconds = 2;
  writeFileSync(file, JSON.stringify(json));
  await buildProject(loadProject({ project, env: {} }));
  const second = await deploy(repl, buildDir);
  assert.deepEqual(second.uploaded, ['config.py']);
  assert.ok(second.wireBytes < first.wireBytes / 3, `incremental ${second.wireBytes} B vs full ${first.wireBytes} B`);

  // 3. Cut the cable in the middle of main.py: the old main.py stays, the next deploy repairs it.
  const templates = readFileSync(path.join(buildDir, 'main.py'), 'utf8');
  // print() adds its own newline after the file's content.
  assert.equal(await repl.run('print(open("main.py").read())'), `${templates}\n`);
  // A new main.py (a bigger one) in the build, and a transport that dies after 600 bytes.
  const bigMain = `${templates}\n# ${'x'.repeat(5000)}\n`;
  writeFileSync(path.join(buildDir, 'main.py'), bigMain);
  const m = JSON.parse(readFileSync(path.join(buildDir, 'manifest.json'), 'utf8')) as { files: { path: string; sha256: string; size: number }[] };
  const entry = m.files.find((f) => f.path === 'main.py')!;
  entry.sha256 = (await import('node:crypto')).createHash('sha256').update(bigMain).digest('hex');
  entry.size = Buffer.byteLength(bigMain);
  writeFileSync(path.join(buildDir, 'manifest.json'), JSON.stringify(m));
  repl.close();
  let budget = 600;
  const inner = boardTransport(board);
  const flaky: ReplTransport = {
    subscribe: inner.subscribe,
    write: (bytes) => {
      budget -= bytes.length;
      if (budget < 0) throw new DeviceError('cable cut');
      inner.write(bytes);
    },
  };
  // The client's own 10 s for each answer: the board answers the checks before the cut (hashing
  // its files) slowly on a loaded host, and a 2 s wait ended them with a timeout, not the cut.
  const cut = new ReplClient(flaky);
  await assert.rejects(deploy(cut, buildDir), /cable cut/);
  cut.close();
  repl = new ReplClient(boardTransport(board));
  await repl.enterRaw();
  assert.equal(await repl.run('print(open("main.py").read())'), `${templates}\n`, 'main.py is the previous one');
  const repaired = await deploy(repl, buildDir);
  assert.deepEqual(repaired.uploaded, ['main.py']);
  assert.equal((await repl.run('print(len(open("main.py").read()))')).trim(), String(Buffer.byteLength(bigMain)));
});
