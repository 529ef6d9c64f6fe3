// Cross-field checks the schema cannot express. Each returns issues located by JSON path.
import { existsSync } from 'node:fs';
import type { InputIssue } from '../errors.ts';
import { isLoopbackHost } from '../shared/addresses.ts';
import { didYouMean } from '../shared/didYouMean.ts';
import { joinPath } from '../shared/jsonPath.ts';
import { writtenAt } from './origin.ts';
import { expandBuildTime, isPlaceholder, placeholdersIn, PLACEHOLDERS } from './placeholders.ts';
import { estimatePayloadBytes } from './payload.ts';
import type { ProjectFile, ResolvedDevice } from './types.ts';

/** IoT Core accepts at most one message per second per device. */
const IOT_CORE_MIN_INTERVAL_S = 1;
const IOT_CORE_MAX_MESSAGE_BYTES = 256 * 1024;
/** Yandex IoT Core's MQTT endpoint: its profile's checks, and no retained status there. */
export const IOT_CORE_HOST = 'mqtt.cloud.yandex.net';
const isIotCoreTopic = (topic: string): boolean => topic.startsWith('$devices/') || topic.startsWith('$registries/');

export function checkProject(project: ProjectFile, devices: ResolvedDevice[]): InputIssue[] {
  return [...checkRoster(project, devices), ...devices.flatMap((d) => checkDevice(d, project)), ...checkLoopbackBroker(project, devices)];
}

/**
 * A loopback broker URL (init's default MQTT_HOST=127.0.0.1) is right for virtual boards and a
 * trap for real ones, which would look for the broker on themselves: a warning, once per place
 * the URL is written (not once per device of a class of 30).
 */
function checkLoopbackBroker(project: ProjectFile, devices: ResolvedDevice[]): InputIssue[] {
  const byPath = new Map<string, ResolvedDevice>();
  for (const device of devices) {
    if (!isLoopbackHost(device.mqtt.host)) continue;
    const path = writtenAt(project, device.index, 'mqtt', 'url');
    if (!byPath.has(path)) byPath.set(path, device);
  }
  return [...byPath].map(([path, device]) => ({
    path,
    message: `the broker is at ${device.mqtt.host}, a loopback address: virtual boards (simulate) reach it, a real board cannot (its ${device.mqtt.host} is itself)`,
    hint: "for real boards use this computer's address on the boards' Wi-Fi (e.g. MQTT_HOST=192.168.1.10 in .env; `hostname -I` or `ipconfig` shows it) and run `mpy-iot broker --host 0.0.0.0`",
    severity: 'warning' as const,
  }));
}

function checkRoster(project: ProjectFile, devices: ResolvedDevice[]): InputIssue[] {
  const issues: InputIssue[] = [];
  if (project.defaults && 'name' in project.defaults) {
    issues.push({ path: 'defaults.name', message: 'a name cannot be a default', hint: 'give each device its own name in devices[]', severity: 'error' });
  }
  const firstByName = new Map<string, number>();
  project.devices.forEach((device, index) => {
    if (typeof device?.name !== 'string') return; // refused by the schema, reported there
    const key = device.name.toLowerCase();
    const first = firstByName.get(key);
    if (first !== undefined) {
      issues.push({
        path: joinPath('devices', index, 'name'),
        value: device.name,
        message: `duplicate device name '${device.name}' (also devices[${first}])`,
        hint: 'names must be unique (case-insensitive): each one is a build folder',
        severity: 'error',
      });
    } else firstByName.set(key, index);
  });
  const firstById = new Map<string, ResolvedDevice>();
  for (const device of devices) {
    const other = firstById.get(device.identity.deviceId);
    if (other) {
      issues.push({
        path: joinPath('devices', device.index, 'identity', 'deviceId'),
        value: device.identity.deviceId,
        message: `device id '${device.identity.deviceId}' is also used by '${other.name}'`,
        hint: 'each board needs its own identity.deviceId; their command topics would collide',
        severity: 'error',
      });
    } else firstById.set(device.identity.deviceId, device);
  }
  return issues;
}

function checkDevice(device: ResolvedDevice, project: ProjectFile): InputIssue[] {
  const issues: InputIssue[] = [];
  const at = (...segments: (string | number)[]): string => writtenAt(project, device.index, ...segments);
  const error = (path: string, message: string, hint?: string, value?: unknown): void => {
    issues.push({ path, message, hint, value, severity: 'error' });
  };
  const warn = (path: string, message: string, hint?: string): void => {
    issues.push({ path, message, hint, severity: 'warning' });
  };
  const { mqtt, telemetry, wifi, board } = device;

  if (Buffer.byteLength(wifi.ssid) > 32) error(at('wifi', 'ssid'), 'an SSID is at most 32 bytes', undefined, wifi.ssid);
  if (wifi.password.length > 0 && (wifi.password.length < 8 || wifi.password.length > 63)) {
    error(at('wifi', 'password'), 'a WPA2 passphrase has 8 to 63 characters', 'use an empty password only for an open network');
  }

  if ((mqtt.qos as number) === 2) {
    error(at('mqtt', 'qos'), 'QoS 2 is not supported: umqtt.simple and IoT Core support only QoS 0 and 1', 'use "qos": 1 for at-least-once delivery (add "seq" to telemetry.extras to spot duplicates)', 2);
  }
  if (mqtt.username !== null && mqtt.password === null) {
    error(at('mqtt', 'password'), 'umqtt.simple sends a username only together with a password', 'set mqtt.password (e.g. "${MQTT_PASSWORD}") or remove mqtt.username');
  }
  if (mqtt.keepaliveSeconds === 0) warn(at('mqtt', 'keepaliveSeconds'), 'keepalive 0: the broker never notices a dead board and the last will is never sent');

  const templated: [string, string, boolean][] = [
    ...telemetry.topics.map((t, i): [string, string, boolean] => [at('telemetry', 'topics', i), t, true]),
    ...device.listen.map((t, i): [string, string, boolean] => [at('listen', i), t, false]),
    [at('mqtt', 'statusTopic'), mqtt.statusTopic, true],
    [at('mqtt', 'replyTopic'), mqtt.replyTopic, true],
    [at('mqtt', 'clientId'), mqtt.clientId, false],
  ];
  for (const [path, template, publishes] of templated) {
    for (const name of placeholdersIn(template)) {
      if (!isPlaceholder(name)) {
        const guess = didYouMean(name, PLACEHOLDERS);
        error(path, `unknown placeholder {${name}}${guess ? ` — did you mean {${guess}}?` : ''}`, `known placeholders: ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')}`, template);
      } else if (name === 'registryId' && device.identity.registryId === null) {
        error(path, '{registryId} is used but identity.registryId is not set', 'set identity.registryId', template);
      } else if (name === 'group' && device.telemetry.group === '') {
        error(path, '{group} is used but telemetry.group is empty', 'set telemetry.group', template);
      }
    }
    if (publishes) {
      const expanded = expandBuildTime(template, device);
      if (/[+#]/.test(expanded)) error(path, `cannot publish to '${expanded}': '+' and '#' are subscription wildcards`, 'remove the wildcard (or the character from the value substituted into the topic)', template);
    }
  }

  const iotCoreTopics = telemetry.topics.filter(isIotCoreTopic);
  if (telemetry.intervalSeconds < IOT_CORE_MIN_INTERVAL_S && iotCoreTopics.length > 0) {
    error(at('telemetry', 'intervalSeconds'), `interval ${telemetry.intervalSeconds} s is below 1 s, but ${expandBuildTime(iotCoreTopics[0] ?? '', device)} is an IoT Core topic (at most 1 message per second per device)`, 'use "intervalSeconds": 1 or more', telemetry.intervalSeconds);
  }
  if (mqtt.host === IOT_CORE_HOST) issues.push(...checkIotCoreProfile(device, at));

  if (telemetry.sensor === 'internal' && board.temperature.source === null) {
    error(at('telemetry', 'sensor'), `board '${board.id}' has no internal temperature sensor`, 'set telemetry.sensor to "dht22", "dht11", "ds18b20" (with sensorPin) or "simulated"', 'internal');
  }
  if (['dht11', 'dht22', 'ds18b20'].includes(telemetry.sensor) && telemetry.sensorPin === null) {
    error(at('telemetry', 'sensorPin'), `sensor '${telemetry.sensor}' needs telemetry.sensorPin`, 'set the GPIO number the sensor\'s data line is wired to');
  }

  const bytes = estimatePayloadBytes(device);
  if (bytes > board.maxPayloadBytes) {
    error(at('telemetry'), `estimated payload ${bytes} B exceeds the ${board.id} budget of ${board.maxPayloadBytes} B`, 'shorten students/group or drop extras');
  } else if (bytes > board.maxPayloadBytes * 0.8) {
    warn(at('telemetry'), `estimated payload ${bytes} B is close to the ${board.id} budget of ${board.maxPayloadBytes} B`);
  }

  for (const [field, file] of Object.entries(mqtt.tlsFiles)) {
    if (file !== null && !existsSync(file)) error(at('mqtt', 'tls', field), `file not found: ${file}`, missingTlsFileHint(file, field, device.identity.deviceId));
  }
  if (!mqtt.tls && Object.values(mqtt.tlsFiles).some((f) => f !== null)) {
    warn(at('mqtt', 'tls'), 'TLS files are set but the URL is mqtt://, so they are not used', 'use an mqtts:// URL');
  }
  if (mqtt.tls && mqtt.tlsFiles.ca !== null && board.tls.library === 'axtls') {
    warn(at('mqtt', 'tls', 'ca'), `${board.id} (axTLS) cannot check the broker's certificate: the CA is shipped but not used, so the link is encrypted, not authenticated`, 'for a checked broker use an ESP32-family board; the broker still checks this board\'s client certificate');
  }
  if ((mqtt.tlsFiles.cert === null) !== (mqtt.tlsFiles.key === null)) {
    error(at('mqtt', 'tls'), 'a client certificate needs its key and the key its certificate', 'set both mqtt.tls.cert and mqtt.tls.key, or neither');
  }
  return issues;
}

/** Yandex IoT Core: TLS on 8883, only $devices/$registries topics, QoS ≤ 1, ≤ 1 msg/s, ≤ 256 KB. */
function checkIotCoreProfile(device: ResolvedDevice, at: (...s: (string | number)[]) => string): InputIssue[] {
  const issues: InputIssue[] = [];
  if (!device.mqtt.tls || device.mqtt.port !== 8883) {
    issues.push({ path: at('mqtt', 'url'), value: device.mqtt.url, message: 'Yandex IoT Core accepts only TLS on port 8883', hint: `use "mqtts://${IOT_CORE_HOST}:8883"`, severity: 'error' });
  }
  device.telemetry.topics.forEach((topic, i) => {
    if (!isIotCoreTopic(topic)) {
      issues.push({ path: at('telemetry', 'topics', i), value: topic, message: `IoT Core only routes $devices/ and $registries/ topics; '${topic}' would be refused`, hint: 'use "$devices/{deviceId}/events"', severity: 'error' });
    }
  });
  if (estimatePayloadBytes(device) > IOT_CORE_MAX_MESSAGE_BYTES) {
    issues.push({ path: at('telemetry'), message: 'IoT Core messages are at most 256 KB', severity: 'error' });
  }
  return issues;
}

/** Where a missing TLS file comes from: `mpy-iot certs` makes the ones under certs/. */
function missingTlsFileHint(file: string, field: string, deviceId: string): string {
  const inCerts = file.split(/[\\/]/).includes('certs');
  if (!inCerts) return 'paths are relative to the project file';
  return field === 'ca' ? 'run `mpy-iot certs init` (it writes certs/ca.pem) in the project folder' : `run \`mpy-iot certs device ${deviceId}\` in the project folder (paths are relative to the project file)`;
}
