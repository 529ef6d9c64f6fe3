// The files `mpy-iot init --template iot-core` writes: a registry with two devices (an ESP32 and
// an ESP8266) that talk to Yandex IoT Core over mqtts:// with a client certificate each, telemetry
// on $devices/{deviceId}/events. Pure: the CLI writes them; `mpy-iot certs` makes the certificates.
import type { ProjectFile } from '../config/types.ts';
import { YANDEX_ROOT_CA_URL } from '../iotCore/plan.ts';
import { projectSchemaRef, type ScaffoldFile } from './scaffold.ts';


export const IOT_CORE_DEVICES = ['dev-1', 'dev-2'];

export function iotCoreProject(schemaRef: string): ProjectFile {
  const tls = (id: string): { cert: string; key: string } => ({ cert: `certs/devices/${id}.pem`, key: `certs/devices/${id}.key` });
  return {
    $schema: schemaRef,
    project: 'iot-core-fleet',
    defaults: {
      board: 'esp32',
      wifi: { ssid: '${WIFI_SSID}', password: '${WIFI_PASSWORD}' },
      // Both come from .env: the cloud (mqtt.cloud.yandex.net + Yandex's root CA) or a rehearsal
      // on this computer (127.0.0.1 + certs/ca.pem, which signed `mpy-iot broker`'s certificate).
      mqtt: { url: 'mqtts://${MQTT_HOST}:8883', qos: 1, tls: { ca: '${MQTT_CA}' } },
      identity: { registryId: '${IOT_REGISTRY_ID}' },
      telemetry: { intervalSeconds: 10, topics: ['$devices/{deviceId}/events'], sensor: 'simulated', extras: ['seq'] },
      listen: [],
    },
    devices: IOT_CORE_DEVICES.map((id, i) => ({ name: id, ...(i === 1 ? { board: 'esp8266' } : {}), mqtt: { tls: tls(id) } })),
  };
}

const TELEMETRY_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'IoT Core telemetry payload',
  description: 'What each device publishes to $devices/<id>/events.',
  type: 'object',
  required: ['temperature', 'seq'],
  properties: {
    temperature: { type: 'number', minimum: -55, maximum: 150, description: 'Degrees Celsius.' },
    seq: { type: 'integer', minimum: 0, description: 'Increases by one per payload since boot.' },
    students: { type: 'array', items: { type: 'string' } },
    group: { type: 'string' },
  },
};

function envText(lines: string[], values: Record<string, string>): string {
  return [...lines, ...Object.entries(values).map(([k, v]) => `${k}=${v}`), ''].join('\n');
}

export function scaffoldIotCore(targetDir: string): ScaffoldFile[] {
  const schemaRef = projectSchemaRef(targetDir);
  const header = ['# Secrets and per-site settings for mpy-iot.json (referenced as ${NAME}).', '# Keep .env out of version control; share .env.example instead.'];
  return [
    { path: 'mpy-iot.json', contents: JSON.stringify(iotCoreProject(schemaRef), null, 2) + '\n', purpose: 'the project: registry, devices, certificates, topics' },
    { path: 'telemetry.schema.json', contents: JSON.stringify(TELEMETRY_SCHEMA, null, 2) + '\n', purpose: 'JSON Schema every payload is verified against' },
    {
      path: '.env.example',
      contents: envText([...header, `# The cloud: MQTT_CA is Yandex's root CA, saved from ${YANDEX_ROOT_CA_URL}`], {
        WIFI_SSID: 'your-network',
        WIFI_PASSWORD: 'your-wifi-password',
        MQTT_HOST: 'mqtt.cloud.yandex.net',
        MQTT_CA: 'certs/yandex-root-ca.pem',
        IOT_REGISTRY_ID: 'the-id-yc-gave-the-registry',
      }),
      purpose: 'the variables for the real cloud (commit this one)',
    },
    {
      path: '.env',
      contents: envText([...header, '# A rehearsal on this computer: `mpy-iot broker --iot-core` with the certificates of `mpy-iot certs init`.', '# For the cloud, copy the values of .env.example.'], {
        WIFI_SSID: 'lab-wifi',
        WIFI_PASSWORD: 'change-me-please',
        MQTT_HOST: '127.0.0.1',
        MQTT_CA: 'certs/ca.pem',
        IOT_REGISTRY_ID: 'reg-1',
      }),
      purpose: 'your values: a local rehearsal until you switch to the cloud (never commit)',
    },
    { path: '.gitignore', contents: '.env\nbuild/\ncerts/**/*.key\ncerts/**/*.key.der\n', purpose: 'keeps secrets, private keys and builds out of git' },
  ];
}
