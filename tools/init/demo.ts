import type { ProjectFile } from '../config/types.ts';

/** The demo class: an ESP32 and an ESP8266 of one group, and an ESP32 of another group. */
export function demoProject(brokerUrl: string): ProjectFile {
  return {
    project: 'mpy-iot demo',
    defaults: {
      wifi: { ssid: 'mpy-iot-demo', password: 'demo-password' },
      mqtt: { url: brokerUrl, qos: 1 },
      telemetry: { intervalSeconds: 2, topics: ['DATA/{mac}'], extras: ['seq', 'uptime'] },
      listen: ['RESULT'],
    },
    devices: [
      { name: 'team-1', board: 'esp32', telemetry: { students: ['Иванов И.И', 'Петрова А.С'], group: 'БАГ-18-01' } },
      { name: 'team-2', board: 'esp8266', telemetry: { students: ['Сидоров П.П'], group: 'БАГ-18-01', sensor: 'simulated' } },
      { name: 'team-3', board: 'esp32', telemetry: { students: ['Smith J.', 'Ng K.'], group: 'БАГ-18-02' } },
    ],
  };
}
