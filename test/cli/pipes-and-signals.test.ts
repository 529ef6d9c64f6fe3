// The CLI as a shell runs it (the real bin in its own process): a reader that closes the pipe
// early, and Ctrl-C. Both are about the process, so they cannot be checked in-process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startAedes } from '../helpers/brokers.ts';
import { labProjectJson, runCli, tempDir } from '../helpers/cli.ts';
import { mpyIot } from '../helpers/spawnCli.ts';

// A LAN broker, so the only thing on stderr could be the failure (a loopback URL draws a warning).
const classProject = labProjectJson({ defaults: { ...(labProjectJson().defaults as object), mqtt: { url: 'mqtt://192.168.1.10:1883' } } });

for (const [name, args, files] of [
  ['check', ['check'], { 'mpy-iot.json': classProject }],
  ['build', ['build'], { 'mpy-iot.json': classProject }],
  ['init lab', ['init', 'lab'], {}],
] as const) {
  test(`${name} into a pipe its reader closed: a quiet exit with the command's own status, no EPIPE stack`, async () => {
    const run = await mpyIot([...args], { cwd: tempDir(files), closeStdout: true });
    assert.doesNotMatch(run.stderr, /EPIPE|Unhandled 'error' event|at .*\.ts:\d+/, run.stderr);
    assert.equal(run.stderr, '');
    assert.equal(run.code, 0);
  });
}

for (const [name, args] of [
  ['broker', (port: number) => ['broker', '--port', String(port)]],
  ['watch', (port: number) => ['watch', '-b', `mqtt://127.0.0.1:${port}`, '-t', 'DATA/#']],
] as const) {
  test(`${name}: Ctrl-C stops it cleanly and exits 130, as verify does`, async () => {
    // The broker command takes --port 0: a port picked free beforehand could be taken by another
    // test file while this process starts (seconds on a loaded host), failing it with EADDRINUSE.
    const broker = name === 'watch' ? await startAedes() : null;
    const port = broker?.port ?? 0;
    try {
      const run = await mpyIot(args(port), { cwd: tempDir(), sigintWhen: (out, err) => /listening on|Ctrl-C to stop|connected/.test(out + err) });
      assert.equal(run.code, 130, run.stderr);
      assert.doesNotMatch(run.stderr, /internal error|at .*\.ts:\d+/);
    } finally {
      await broker?.stop();
    }
  });
}

test('simulate: Ctrl-C stops the boards and exits 130', async () => {
  const broker = await startAedes();
  try {
    const dir = tempDir({ 'mpy-iot.json': labProjectJson({ defaults: { ...(labProjectJson().defaults as object), mqtt: { url: broker.url } } }) });
    assert.equal((await runCli(['build'], { cwd: dir })).code, 0);
    const run = await mpyIot(['simulate'], { cwd: dir, sigintWhen: (out) => out.length > 0 });
    assert.equal(run.code, 130, run.stderr);
  } finally {
    await broker.stop();
  }
});

test('verify --json stopped by Ctrl-C still ends with its one JSON document (exit 130)', async () => {
  const broker = await startAedes();
  try {
    const run = await mpyIot(['verify', '-b', broker.url, '-t', 'DATA/#', '--duration', '60s', '--json'], { cwd: tempDir(), sigintWhen: (_out, err) => /verifying on/.test(err) });
    assert.equal(run.code, 130, run.stderr);
    const doc = JSON.parse(run.stdout) as { ok: boolean; error: { type: string; exitCode: number } };
    assert.equal(doc.ok, false);
    assert.deepEqual([doc.error.type, doc.error.exitCode], ['Interrupted', 130]);
  } finally {
    await broker.stop();
  }
});
