// Applies defaults: the built-in ones (below; test/config/defaults.test.ts keeps them equal to the
// `default` annotations of schema/project.schema.json), then the project's `defaults`, then the device.
import path from 'node:path';
import type { BoardRegistry } from '../boards/index.ts';
import type { BoardProfile } from '../boards/types.ts';
import type { InputIssue } from '../errors.ts';
import { joinPath } from '../shared/jsonPath.ts';
import { IOT_CORE_HOST } from './checks.ts';
import { writtenAt } from './origin.ts';
import type { DeviceSettings, ProjectFile, ResolvedDevice } from './types.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Objects merge key by key; lists and scalars replace (a device's `topics` replaces the default list). */
export function mergeSettings<T>(base: T, override: unknown): T {
  if (!isObject(base) || !isObject(override)) return (override === undefined ? base : override) as T;
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(override)) out[key] = mergeSettings(out[key], value);
  return out as T;
}

const DEFAULT_WATCHDOG_SECONDS = 30;
/** Stands in for a broker URL the schema refused (.invalid never resolves: RFC 2606). */
const REFUSED_URL = 'mqtt://refused.invalid:1883';

/**
 * Resolves every device. Fields that must exist after merging (board, wifi.ssid, mqtt.url) are
 * reported as issues at the device's path rather than thrown, so `check` lists all of them.
 */
export function resolveDevices(
  project: ProjectFile,
  boards: BoardRegistry,
  projectDir: string,
  /** Paths whose values the schema refused (and were taken out): not "missing", already reported. */
  refused: ReadonlySet<string> = new Set(),
): { devices: ResolvedDevice[]; issues: InputIssue[] } {
  const issues: InputIssue[] = [];
  const devices: ResolvedDevice[] = [];
  project.devices.forEach((entry, index) => {
    // An entry the schema refused whole (not an object, no name) has nothing more to check.
    if (!isObject(entry) || typeof entry.name !== 'string') return;
    const at = (...segments: (string | number)[]): string => writtenAt(project, index, ...segments);
    const s = mergeSettings(project.defaults ?? {}, entry) as DeviceSettings & { name: string };
    const wasRefused = (field: string): boolean => {
      const segments = field.split('.');
      return refused.has(joinPath('devices', index, ...segments)) || refused.has(joinPath('defaults', ...segments));
    };
    const missing = (field: string, hint: string): void => {
      if (wasRefused(field)) return;
      issues.push({ path: joinPath('devices', index, ...field.split('.')), message: `missing required field '${field}'`, hint, severity: 'error' });
    };
    if (!s.board) missing('board', 'set "board" in defaults or on the device (see `mpy-iot boards`)');
    if (!s.wifi?.ssid) missing('wifi.ssid', 'set wifi.ssid in defaults or on the device');
    if (!s.mqtt?.url) missing('mqtt.url', 'set mqtt.url, e.g. "mqtt://192.168.1.10:1883", in defaults or on the device');
    const board = s.board ? boards.find(s.board) : undefined;
    if (s.board && !board) {
      const suggestion = boards.suggest(s.board);
      issues.push({
        path: at('board'),
        value: s.board,
        message: `unknown board '${s.board}'${suggestion ? ` — did you mean '${suggestion}'?` : ''}`,
        hint: `known boards: ${boards.boards.map((b) => b.id).join(', ')} (aliases in \`mpy-iot boards\`)`,
        severity: 'error',
      });
    }
    if (boards.boards.length === 0) return;
    // What is missing or unknown is reported above; stand-ins let the device's other checks run
    // (a typo in `board` must not hide a bad topic). Errors stop the load, so nothing is built from them.
    const checkedBoard = board ?? standInBoard(boards, s.board ?? 'missing');
    const ssid = s.wifi?.ssid || 'missing';
    const mqttUrl = s.mqtt?.url || REFUSED_URL;
    const mqtt = s.mqtt ?? {};

    const url = new URL(mqttUrl);
    const tls = url.protocol === 'mqtts:';
    const tlsFile = (file: string | undefined): string | null => (file ? path.resolve(projectDir, file) : null);
    const led = s.led === false
      ? { pin: null, activeLow: false }
      : typeof s.led === 'number'
        ? { pin: s.led, activeLow: checkedBoard.led.activeLow }
        : s.led
          ? { pin: s.led.pin, activeLow: s.led.activeLow ?? checkedBoard.led.activeLow }
          : { ...checkedBoard.led };
    const watchdog = s.watchdog === false
      ? null
      : { timeoutSeconds: (typeof s.watchdog === 'object' ? s.watchdog.timeoutSeconds : undefined) ?? DEFAULT_WATCHDOG_SECONDS };
    const t = s.telemetry ?? {};
    devices.push({
      name: entry.name,
      index,
      board: checkedBoard,
      wifi: { ssid, password: s.wifi?.password ?? '', timeoutSeconds: s.wifi?.timeoutSeconds ?? 20 },
      mqtt: {
        url: mqttUrl,
        host: url.hostname,
        port: url.port ? Number(url.port) : tls ? 8883 : 1883,
        tls,
        clientId: mqtt.clientId ?? 'mpy-iot-{mac}',
        username: mqtt.username ?? null,
        password: mqtt.password ?? null,
        keepaliveSeconds: mqtt.keepaliveSeconds ?? 60,
        qos: (mqtt.qos ?? 0) as 0 | 1,
        statusTopic: mqtt.statusTopic ?? '$devices/{deviceId}/state',
        // IoT Core (and a project modelled on it, with registries) refuses retained messages.
        retainStatus: mqtt.retainStatus ?? (url.hostname !== IOT_CORE_HOST && !s.identity?.registryId),
        replyTopic: mqtt.replyTopic ?? '$devices/{deviceId}/events/reply',
        tlsFiles: { ca: tlsFile(mqtt.tls?.ca), cert: tlsFile(mqtt.tls?.cert), key: tlsFile(mqtt.tls?.key) },
      },
      identity: {
        macFormat: s.identity?.macFormat ?? 'hex',
        deviceId: s.identity?.deviceId ?? entry.name,
        registryId: s.identity?.registryId ?? null,
        mac: s.identity?.mac ? s.identity.mac.replace(/[:-]/g, '').toLowerCase() : null,
      },
      telemetry: {
        intervalSeconds: t.intervalSeconds ?? 10,
        topics: t.topics ?? ['DATA/{mac}'],
        students: t.students ?? [],
        group: t.group ?? '',
        sensor: t.sensor ?? 'internal',
        sensorPin: t.sensorPin ?? null,
        extras: t.extras ?? [],
        offlineBuffer: t.offlineBuffer ?? 10,
      },
      listen: s.listen ?? ['RESULT'],
      led,
      watchdog,
    });
  });
  return { devices, issues };
}

/**
 * A board for a device whose `board` is unknown or missing (already an error): the first profile
 * with nothing a board-specific check could fault (an internal sensor, no payload budget), so only
 * the device's own fields are judged.
 */
function standInBoard(boards: BoardRegistry, id: string): BoardProfile {
  const base = boards.boards[0]!;
  return { ...base, id, temperature: { source: base.temperature.source ?? 'mcu_temperature' }, maxPayloadBytes: Number.MAX_SAFE_INTEGER };
}
