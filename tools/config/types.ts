// Types of the project file (as written) and of a device after defaults are applied.
import type { BoardProfile } from '../boards/types.ts';

export type MacFormat = 'hex' | 'HEX' | 'colon' | 'COLON' | 'dash';
export type SensorKind = 'internal' | 'dht11' | 'dht22' | 'ds18b20' | 'simulated';
export type TelemetryExtra = 'seq' | 'uptime' | 'rssi' | 'heap';

/** What `defaults` and each roster entry may say (everything optional). Mirrors schema/project.schema.json. */
export interface DeviceSettings {
  board?: string;
  wifi?: { ssid?: string; password?: string; timeoutSeconds?: number };
  mqtt?: {
    url?: string;
    clientId?: string;
    username?: string;
    password?: string;
    keepaliveSeconds?: number;
    qos?: number;
    statusTopic?: string;
    retainStatus?: boolean;
    replyTopic?: string;
    tls?: { ca?: string; cert?: string; key?: string };
  };
  identity?: { macFormat?: MacFormat; deviceId?: string; registryId?: string; mac?: string };
  telemetry?: {
    intervalSeconds?: number;
    topics?: string[];
    students?: string[];
    group?: string;
    sensor?: SensorKind;
    sensorPin?: number;
    extras?: TelemetryExtra[];
    offlineBuffer?: number;
  };
  listen?: string[];
  led?: number | false | { pin: number; activeLow?: boolean };
  watchdog?: boolean | { timeoutSeconds?: number };
}

export interface ProjectFile {
  $schema?: string;
  project?: string;
  grading?: { language?: 'ru' | 'en' };
  defaults?: DeviceSettings;
  devices: (DeviceSettings & { name: string })[];
}

/** A roster entry with every default applied: what the renderer consumes. */
export interface ResolvedDevice {
  name: string;
  /** Index in `devices[]`, for error paths. */
  index: number;
  board: BoardProfile;
  wifi: { ssid: string; password: string; timeoutSeconds: number };
  mqtt: {
    url: string;
    host: string;
    port: number;
    tls: boolean;
    clientId: string;
    username: string | null;
    password: string | null;
    keepaliveSeconds: number;
    qos: 0 | 1;
    statusTopic: string;
    /** Birth and will retained, so watchers started later know who is online (not on IoT Core). */
    retainStatus: boolean;
    replyTopic: string;
    /** Absolute host paths of the TLS files. */
    tlsFiles: { ca: string | null; cert: string | null; key: string | null };
  };
  /** mac: the team's own board (12 lowercase hex digits) when pinned; deploy refuses any other board. */
  identity: { macFormat: MacFormat; deviceId: string; registryId: string | null; mac: string | null };
  telemetry: {
    intervalSeconds: number;
    topics: string[];
    students: string[];
    group: string;
    sensor: SensorKind;
    sensorPin: number | null;
    extras: TelemetryExtra[];
    offlineBuffer: number;
  };
  listen: string[];
  led: { pin: number | null; activeLow: boolean };
  watchdog: { timeoutSeconds: number } | null;
}
