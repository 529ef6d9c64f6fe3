// The lab build on virtual ESP32 and ESP8266 boards publishes the lab payload to DATA/<mac>,
// byte for byte, through Aedes and through Debian's mosquitto.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compileSchema } from '../../tools/shared/ajv.ts';
import { packagePaths } from '../../tools/paths.ts';
import { hasMosquitto, startAedes, startMosquitto, subscribe, type TestBroker } from '../helpers/brokers.ts';
import { bootBoard, buildLab } from '../helpers/sim.ts';

const validate = compileSchema(JSON.parse(readFileSync(path.join(packagePaths.schema, 'telemetry.lab.schema.json'), 'utf8')));
const PAYLOAD = /^\{"temperature": (-?\d+(?:\.\d)?), "students": \["Иванов И\.И", "Петрова А\.С"\], "group": "БАГ-18-01"\}$/;

for (const [brokerName, start] of [['Aedes', startAedes], ['mosquitto', startMosquitto]] as const) {
  describe(`lab payloads through ${brokerName}`, { skip: brokerName === 'mosquitto' && !hasMosquitto() && 'mosquitto is not installed (apt-get install mosquitto)' }, () => {
    let broker: TestBroker;
    test('ESP32 and ESP8266 publish the lab JSON to DATA/<mac>', async () => {
      broker = await start();
      after(() => broker.stop());
      const project = await buildLab({
        brokerUrl: broker.url,
        devices: [
          { name: 'esp32-board', board: 'esp32', telemetry: { students: ['Иванов И.И', 'Петрова А.С'], group: 'БАГ-18-01' } },
          { name: 'esp8266-board', board: 'esp8266', telemetry: { students: ['Иванов И.И', 'Петрова А.С'], group: 'БАГ-18-01', sensor: 'simulated' } },
        ],
      });
      const sub = await subscribe(broker.url, ['DATA/#']);
      after(() => sub.end());
      const boards = [await bootBoard(project, 'esp32-board'), await bootBoard(project, 'esp8266-board')];
      for (const board of boards) {
        const topic = `DATA/${board.mac}`;
        assert.match(board.mac, /^[0-9a-f]{12}$/, 'lowercase hex MAC without separators');
        const first = await sub.waitFor((m) => m.topic === topic, 15_000, `${board.name} payload on ${topic}`);
        const text = first.payload.toString('utf8');
        const match = PAYLOAD.exec(text);
        assert.ok(match, `${board.name} payload: ${text}`);
        const expected = `{"temperature": ${match[1]}, "students": ["Иванов И.И", "Петрова А.С"], "group": "БАГ-18-01"}`;
        assert.deepEqual(first.payload, Buffer.from(expected, 'utf8'), 'bytes on the wire are the UTF-8 of the JSON');
        assert.ok(validate(JSON.parse(text)), JSON.stringify(validate.errors));
        await sub.waitFor((m) => m.topic === topic && m !== first, 5_000, `${board.name} second payload`);
      }
      await Promise.all(boards.map((b) => b.stop()));
    });
  });
}
