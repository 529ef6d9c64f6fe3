// The embedded broker: Aedes behind TCP / WebSocket / TLS listeners, with policy plugged into its
// hooks (authenticate, authorizePublish, authorizeSubscribe, authorizeForward). Nothing is printed:
// every connection, refusal and listener is reported through `onEvent`.
//
// IoT Core mode, as a client observes it:
//  - login: id + password, else a TLS client certificate (fingerprint pinned on the device/registry,
//    or CN = id when the listener's `ca` signed it); bad/unknown credentials → CONNACK 4,
//    anonymous or an unrecognised certificate → CONNACK 5.
//  - a refused SUBSCRIBE (foreign topic, QoS 2) → SUBACK 0x80 for that filter, connection kept.
//  - a refused PUBLISH (foreign topic, QoS 2, retain, > 256 KB) → the connection is dropped with no
//    ack; MQTT.js then leaves a QoS 1/2 publish pending forever (it waits for a reconnect).
//  - more than 1 msg/s per device (bursts of 5) → that message is dropped, the connection kept (a
//    QoS 1 publish is still acked): IoT Core only says delivery beyond its limits is not guaranteed.
//  - client ids: while a session of one identity holds a client id, another identity's CONNECT with
//    that id → CONNACK 2 (identifier rejected) and the holder stays; the same identity takes over as
//    MQTT says, and a holder that is gone frees the id (client-ids.ts says why). Plain mode: MQTT as is.
//  - wildcards: a filter is accepted when it can match at least one allowed topic, and
//    authorizeForward then delivers only the allowed ones (`$devices/+/events` for a registry
//    yields its own devices' events only).
import net from 'node:net';
import tls from 'node:tls';
import { Aedes, type AedesPublishPacket, type AuthenticateError, type Client } from 'aedes';
import { createAuthenticator, requiredCertRefusal, type PeerCertificate } from './auth.ts';
import { InputError } from '../errors.ts';
import { clientIdHolders, takeoverRule } from './client-ids.ts';
import { buildIotCoreModel, createRateLimiter, grantsFor, IOT_CORE_RATE, publishRefusal, rateRule, subscribeRefusal, topicWithin, type TopicGrants } from './iot-core.ts';
import { listenTcp, listenTls, listenWs, type Listener } from './listeners.ts';
import type { BrokerAction, BrokerEvent, BrokerOptions, Identity, RunningBroker } from './types.ts';

export type * from './types.ts';
export { parseUsersFile } from './users-file.ts';
export { iotCoreFromProject } from './project.ts';
export { normalizeFingerprint } from './iot-core.ts';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 1883;

/** Marks errors we hand to aedes for a refusal, so they are reported once (as 'refused'), not again as 'client-error'. */
class RefusedError extends Error {
  returnCode?: 2 | 4 | 5;
}

interface Session {
  username?: string;
  identity?: Identity;
  /** Present only for IoT Core devices and registries; operators and plain-mode clients are unrestricted. */
  grants?: TopicGrants;
}

const SYS_RULE = '$SYS topics are reserved for the broker';

function peerCertificate(conn: unknown, caConfigured: boolean): PeerCertificate | undefined {
  if (!(conn instanceof tls.TLSSocket)) return undefined;
  const cert = conn.getPeerCertificate();
  if (!cert || !cert.fingerprint256) return undefined; // {} when the client sent none
  const cn = Array.isArray(cert.subject?.CN) ? cert.subject.CN[0] : cert.subject?.CN;
  const now = Date.now();
  const from = Date.parse(cert.valid_from);
  const to = Date.parse(cert.valid_to);
  const problem = conn.authorizationError === undefined ? undefined : String(conn.authorizationError);
  return {
    fingerprint256: cert.fingerprint256,
    cn: cn ?? null,
    // Without our own `ca`, Node verifies against the public roots, which must not vouch for a CN here.
    verified: caConfigured && conn.authorized,
    ...(problem && caConfigured ? { problem } : {}),
    ...(now > to ? { expired: cert.valid_to } : now < from ? { notYetValid: cert.valid_from } : {}),
  };
}

function remoteOf(client: Client): string {
  const socket = client.req?.socket ?? (client.conn instanceof net.Socket ? client.conn : undefined);
  return socket ? `${socket.remoteAddress}:${socket.remotePort}` : 'unknown';
}

export async function startBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  const host = options.host ?? DEFAULT_HOST;
  const emit = (event: BrokerEvent): void => options.onEvent?.(event);
  // Validate the roster before opening any port, so a bad config never leaves a half-started broker.
  const model = options.iotCore ? buildIotCoreModel(options.iotCore) : undefined;
  const authenticate = createAuthenticator({ ...(options.users ? { users: options.users } : {}), ...(model ? { iotCore: model } : {}) });
  const sessions = new WeakMap<Client, Session>();
  // A certificate-only listener (`broker --tls-ca` without --iot-core). In IoT Core mode the
  // certificate login (certLogin) judges certificates, a registered self-signed one included.
  const requireCert = options.tls?.requireClientCert === true && !model;
  if (options.tls?.requireClientCert && options.tls.ca === undefined) throw new InputError('requireClientCert needs a ca to verify client certificates against', [], { hint: 'pass tls.ca (broker --tls-ca CA.pem)' });
  const rate = model && options.iotCore?.rateLimit !== false ? (options.iotCore?.rateLimit ?? IOT_CORE_RATE) : null;
  const limiter = rate ? createRateLimiter(rate) : null;
  // Payloads over the rate: accepted from the sender (and acked), forwarded to nobody. aedes wraps
  // the packet before forwarding but keeps its payload Buffer, so the Buffer marks the message.
  const throttled = new WeakSet<object>();
  const holders = model ? clientIdHolders<Client>((c) => !c.closed) : null;

  const refused = (client: Client, action: BrokerAction, rule: string, topic?: string, username?: string): RefusedError => {
    const name = username ?? sessions.get(client)?.username;
    emit({ type: 'refused', clientId: client.id, action, rule, ...(topic !== undefined ? { topic } : {}), ...(name !== undefined ? { username: name } : {}) });
    return new RefusedError(rule);
  };

  const aedes = await Aedes.createBroker({
    authenticate(client, username, password, done) {
      const cert = peerCertificate(client.conn, options.tls?.ca !== undefined);
      // mTLS: checked before any password, and only on the TLS listener.
      const certRefusal = requireCert && client.conn instanceof tls.TLSSocket ? requiredCertRefusal(cert) : null;
      const result = certRefusal ?? authenticate({
        ...(username !== undefined ? { username } : {}),
        ...(password !== undefined ? { password } : {}),
        ...(cert ? { cert } : {}),
      });
      if (!result.ok) {
        const error = refused(client, 'connect', result.rule, undefined, username);
        error.returnCode = result.returnCode; // aedes copies 2..5 into the CONNACK
        return done(error as AuthenticateError, null);
      }
      const identity = result.identity;
      if (holders && identity) {
        const remote = remoteOf(client);
        const holder = holders.conflict(client.id, client, identity);
        if (holder) {
          const error = refused(client, 'connect', takeoverRule(client.id, holder, { identity, remote }), undefined, username);
          error.returnCode = 2;
          return done(error as AuthenticateError, null);
        }
        holders.claim(client.id, client, identity, remote);
      }
      const grants = model && identity && identity.kind !== 'user' ? grantsFor(identity, model) : undefined;
      sessions.set(client, { ...(username !== undefined ? { username } : {}), ...(identity ? { identity } : {}), ...(grants ? { grants } : {}) });
      done(null, true);
    },

    // A refusal here makes aedes drop the connection without an ack ([MQTT-3.3.5-2] leaves no
    // way to say "no" to a PUBLISH in 3.1.1); the client sees the socket close.
    authorizePublish(client, packet, done) {
      if (packet.topic.startsWith('$SYS')) return done(client ? refused(client, 'publish', SYS_RULE, packet.topic) : new RefusedError(SYS_RULE));
      const grants = client ? sessions.get(client)?.grants : undefined;
      const rule = grants ? publishRefusal(grants, packet) : null;
      if (client && rule) return done(refused(client, 'publish', rule, packet.topic));
      const identity = client ? sessions.get(client)?.identity : undefined;
      if (client && rate && limiter && identity?.kind === 'device' && !limiter.take(identity.id)) {
        refused(client, 'publish', rateRule(rate), packet.topic);
        if (typeof packet.payload === 'object') throttled.add(packet.payload);
      }
      done(null);
    },

    // Refusing with (null, null) makes aedes answer SUBACK 0x80 for that filter and keep the
    // connection, which is what IoT Core clients expect; an error would drop the client instead.
    authorizeSubscribe(client, sub, done) {
      const grants = sessions.get(client)?.grants;
      const rule = grants ? subscribeRefusal(grants, sub) : null;
      if (rule) {
        refused(client, 'subscribe', rule, sub.topic);
        return done(null, null);
      }
      done(null, sub);
    },

    // A registry may subscribe `$devices/+/events`; this per-message check is what keeps foreign
    // devices' events out of it (the subscription check only asks "can it match anything allowed?").
    ...(model
      ? {
          authorizeForward(client: Client, packet: AedesPublishPacket) {
            if (throttled.has(packet.payload as object)) return null;
            const grants = sessions.get(client)?.grants;
            return !grants || topicWithin(packet.topic, grants.receive) ? packet : null;
          },
        }
      : {}),
  });

  aedes.on('clientReady', (client) => {
    const session = sessions.get(client);
    emit({
      type: 'client-connected',
      clientId: client.id,
      ...(session?.username !== undefined ? { username: session.username } : {}),
      ...(session?.identity ? { identity: session.identity } : {}),
      remote: remoteOf(client),
    });
  });
  aedes.on('clientDisconnect', (client) => {
    holders?.release(client.id, client);
    emit({ type: 'client-disconnected', clientId: client.id });
  });
  const onClientError = (client: Client, error: Error): void => {
    if (!(error instanceof RefusedError)) emit({ type: 'client-error', clientId: client?.id ?? '', message: error.message });
  };
  aedes.on('clientError', onClientError);
  aedes.on('connectionError', onClientError);

  const handle = aedes.handle.bind(aedes) as Parameters<typeof listenTcp>[0];
  const listeners: Listener[] = [];
  const closeAll = async (): Promise<void> => {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await Promise.all(listeners.map((l) => l.close()));
  };
  try {
    listeners.push(await listenTcp(handle, host, options.port ?? DEFAULT_PORT));
    if (options.wsPort !== undefined) listeners.push(await listenWs(handle, host, options.wsPort));
    if (options.tls) {
      listeners.push(
        await listenTls(handle, host, options.tls, (error, remote) => emit({ type: 'client-error', clientId: '', message: `TLS handshake with ${remote} failed: ${error.message}` })),
      );
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  for (const l of listeners) emit({ type: 'listening', protocol: l.protocol, url: l.url });

  const find = (protocol: Listener['protocol']): Listener | undefined => listeners.find((l) => l.protocol === protocol);
  const [tcp, ws, secure] = [find('mqtt'), find('ws'), find('mqtts')];
  let closing: Promise<void> | undefined;
  return {
    url: tcp!.url,
    port: tcp!.port,
    ...(ws ? { wsUrl: ws.url, wsPort: ws.port } : {}),
    ...(secure ? { tlsUrl: secure.url, tlsPort: secure.port } : {}),
    aedes,
    close: () => (closing ??= closeAll()),
  };
}
