// deploy checks the board on the port before writing: the chip family of the build, and the MAC
// when the project pins the team's board (identity.mac).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadProject } from '../../tools/config/index.ts';
import { InputError } from '../../tools/errors.ts';
import { ReplClient } from '../../tools/repl/client.ts';
import { deploy } from '../../tools/repl/deploy.ts';
import type { VirtualBoard } from '../../tools/sim/board.ts';
import { boardTransport } from '../helpers/boardTransport.ts';
import { bootBoard, buildLab } from '../helpers/sim.ts';

const MAC = '240ac4abcdef';
let project: string;
let board: VirtualBoard;
let repl: ReplClient;
before(async () => {
  project = await buildLab({
    brokerUrl: 'mqtt://127.0.0.1:1',
    devices: [
      { name: 'team-1', board: 'esp32', identity: { mac: '24:0A:C4:AB:CD:EF' }, telemetry: { students: ['Иванов И.И'], group: 'G' } },
      { name: 'team-2', board: 'esp32', identity: { mac: '240ac4000002' }, telemetry: { students: ['Петрова А.С'], group: 'G' } },
      { name: 'team-3', board: 'esp8266', telemetry: { students: ['Сидоров'], group: 'G', sensor: 'simulated' } },
      { name: 'team-4', board: 'esp32s3', telemetry: { students: ['Ng K.'], group: 'G' } },
    ],
  });
  // team-1's own board, freshly flashed (nothing on it yet).
  board = await bootBoard(project, 'team-1', { blank: true, mac: MAC });
  repl = new ReplClient(boardTransport(board));
});
after(async () => {
  repl.close();
  await board.stop();
});

const expectOf = (name: string) => {
  const d = loadProject({ project, env: {} }).devices.find((x) => x.name === name)!;
  return { device: d.name, family: d.board.family, chip: d.board.chip, mac: d.identity.mac };
};
const files = async (): Promise<string> => repl.run('import os\nprint(sorted(os.listdir()))');

test("another team's pinned board is refused before anything is written", async () => {
  await assert.rejects(deploy(repl, path.join(project, 'build', 'team-2'), { expect: expectOf('team-2') }), (e: Error) => {
    assert.ok(e instanceof InputError);
    assert.match(e.message, /has MAC 240ac4abcdef, but team-2 is pinned to 240ac4000002 \(identity\.mac\): this is another board, not deployed/);
    return true;
  });
  assert.doesNotMatch(await files(), /main\.py/);
});

test('the pinned board itself (MAC written in any format in the project) is deployed', async () => {
  assert.equal(expectOf('team-1').mac, MAC);
  const result = await deploy(repl, path.join(project, 'build', 'team-1'), { expect: expectOf('team-1') });
  assert.ok(result.uploaded.includes('main.py'));
});

test('a build for another chip family is refused', async () => {
  await assert.rejects(deploy(repl, path.join(project, 'build', 'team-3'), { expect: expectOf('team-3') }), /runs MicroPython for esp32, but the build of team-3 is for esp8266 \(ESP8266\): not deployed/);
});

test('a build for another chip of the same family (ESP32-S3 on an ESP32) is refused', async () => {
  await assert.rejects(deploy(repl, path.join(project, 'build', 'team-4'), { expect: expectOf('team-4') }), /the board on this port is an ESP32, but the build of team-4 is for ESP32-S3: not deployed/);
});
