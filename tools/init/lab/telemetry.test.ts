// Written by `mpy-iot init`: this project's firmware on virtual boards (the real MicroPython
// interpreter), an embedded MQTT broker, and every payload checked against telemetry.schema.json.
// Run it with `npm test` (node --import tsx --test). It fails when a payload stops matching the
// schema (a firmware or schema change) or a board stops answering commands.
// Typed payloads and command builders: `npx mpy-iot codegen`, then connectFleet<TelemetryPayload, DeviceName>.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { commandRequest, connectFleet, expectTelemetry, simulate, startBroker, type Fleet, type RunningBroker, type Simulation } from 'mpy-iot';

const projectDir = fileURLToPath(new URL('..', import.meta.url));
let broker: RunningBroker;
let fleet: Fleet;
let boards: Simulation;

before(async () => {
  broker = await startBroker({ port: 0 }); // on 127.0.0.1, a free port
  fleet = await connectFleet({ url: broker.url, project: projectDir });
  // Builds into a temporary folder (build/ is left alone) and points the boards at this broker.
  boards = await simulate({ project: projectDir, broker: broker.url });
});

after(async () => {
  await boards?.stop();
  await fleet?.close();
  await broker?.close();
});

test('every board publishes payloads that match telemetry.schema.json', async () => {
  for (const board of boards.project.devices) {
    const [first] = await expectTelemetry(fleet, { device: board.name, count: 1, timeoutMs: 60_000 });
    assert.equal(first?.device, board.name);
    // A second payload at once, not one interval later.
    const since = Date.now();
    const now = await fleet.send(board.name, commandRequest<{ scheduled: boolean }>('publish_now'));
    assert.ok(now.ok, now.error);
    await expectTelemetry(fleet, { device: board.name, count: 1, since, timeoutMs: 30_000 });
  }
});

test('every board answers ping', async () => {
  for (const board of boards.project.devices) {
    const pong = await fleet.send(board.name, commandRequest<{ pong: boolean }>('ping'));
    assert.deepEqual(pong.ok && pong.result, { pong: true }, `${board.name} answered ${JSON.stringify(pong.reply)}`);
  }
});
