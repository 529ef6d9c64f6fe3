// The broker's public shapes: options in, events out, the running handle.
import type { Aedes } from 'aedes';

export interface UserCredential {
  username: string;
  password: string;
}

export interface IotCoreDevice {
  id: string;
  registryId?: string;
  password?: string;
  /** SHA-256 of the DER certificate, hex, with or without colons, any case. */
  certFingerprint?: string;
}

export interface IotCoreRegistry {
  id: string;
  password?: string;
  certFingerprint?: string;
}

export interface IotCoreConfig {
  devices: IotCoreDevice[];
  registries: IotCoreRegistry[];
  /**
   * Per-device publish rate. Default 1 msg/s with bursts of 5 (IOT_CORE_RATE); false: unlimited.
   * Messages over it are dropped (a QoS 1 one is still acknowledged) and reported as 'refused'.
   */
  rateLimit?: { perSecond: number; burst: number } | false;
}

export interface TlsListenerOptions {
  /** 0 picks a free port. */
  port: number;
  cert: string | Buffer;
  key: string | Buffer;
  /** CA that signs client certificates; only certificates it verifies may be identified by their CN. */
  ca?: string | Buffer;
  /** Ask clients for a certificate. Alone, a client without one may still log in (by password, IoT Core). */
  requestClientCert?: boolean;
  /**
   * mTLS as mosquitto's `require_certificate true`: a client on this listener must present a
   * certificate that `ca` verifies, else CONNACK 5 naming why. Ignored with `iotCore`, where a
   * device may log in by password instead (as in the cloud) and certificates are judged by the
   * IoT Core rules (a registered fingerprint, or a CN our CA vouches for).
   */
  requireClientCert?: boolean;
}

export interface BrokerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 1883; 0 picks a free port. */
  port?: number;
  /** MQTT over WebSocket (any path, e.g. /mqtt); 0 picks a free port; omitted = no WS listener. */
  wsPort?: number;
  tls?: TlsListenerOptions;
  /**
   * Username/password accounts. Without `iotCore` they are the only way in (anonymous refused when
   * the list is non-empty). With `iotCore` they are operator accounts (e.g. the harness) that the
   * IoT Core topic rules do not restrict; a device/registry id always wins over a same-named user.
   */
  users?: UserCredential[];
  iotCore?: IotCoreConfig;
  onEvent?: (event: BrokerEvent) => void;
}

export type Identity =
  | { kind: 'device'; id: string; registryId: string | null; via: 'password' | 'certificate' }
  | { kind: 'registry'; id: string; via: 'password' | 'certificate' }
  | { kind: 'user'; id: string; via: 'password' };

export type BrokerAction = 'connect' | 'publish' | 'subscribe';

export type BrokerEvent =
  | { type: 'listening'; protocol: 'mqtt' | 'ws' | 'mqtts'; url: string }
  | { type: 'client-connected'; clientId: string; username?: string; identity?: Identity; remote: string }
  | { type: 'client-disconnected'; clientId: string }
  | {
      type: 'refused';
      clientId: string;
      action: BrokerAction;
      topic?: string;
      /** A sentence naming the rule, e.g. "IoT Core supports QoS 0 and 1 only". */
      rule: string;
      username?: string;
    }
  /** A transport or protocol error that dropped a client (refusals are reported as 'refused' instead). */
  | { type: 'client-error'; clientId: string; message: string };

export interface RunningBroker {
  /** mqtt://host:port */
  url: string;
  port: number;
  /** ws://host:port/mqtt */
  wsUrl?: string;
  wsPort?: number;
  /** mqtts://host:port */
  tlsUrl?: string;
  tlsPort?: number;
  aedes: Aedes;
  /** Stops the listeners, disconnects every client; safe to call more than once. */
  close(): Promise<void>;
}
