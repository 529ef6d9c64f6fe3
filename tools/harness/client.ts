// MQTT client plumbing shared by watch, verify, sendCommand and publish: one place that turns
// transport failures into DeviceError (exit 3) with a hint the user can act on.
import { randomBytes } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { DeviceError } from '../errors.ts';

export type MqttOptions = IClientOptions;

/** A client id that never collides with a board's or another tool run's. */
export function toolClientId(role: string): string {
  return `mpy-iot-${role}-${randomBytes(4).toString('hex')}`;
}

/** Hides the password in a URL before it goes into an error message. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/** mqtt-packet's parse errors: what the server sent is not MQTT (an HTTP reply reads as a bad PUBACK). */
const PARSE_ERROR = /^(Invalid header flag bits|Invalid length|Packet too short|Invalid protocolId|Cannot parse|Malformed|Invalid (retain|qos|will|header)|Not supported)/i;

/** The server speaks something other than MQTT (HTTP, an echo, …): retrying cannot help. */
export function isNotMqtt(error: unknown): boolean {
  const e = (error instanceof DeviceError ? error.cause : error) as { code?: unknown; message?: unknown } | undefined;
  return e?.code === 'NOT_MQTT' || (e?.code === undefined && PARSE_ERROR.test(String(e?.message ?? '')));
}

/** Reports a first packet that is not CONNACK (an echo server sends our CONNECT back) as not MQTT. */
export function refuseNonMqtt(client: MqttClient, fail: (error: Error) => void): void {
  client.on('packetreceive', (packet) => {
    // AUTH may come before CONNACK in MQTT 5's enhanced authentication: that is a broker.
    if (client.connected || packet.cmd === 'connack' || packet.cmd === 'auth') return;
    fail(Object.assign(new Error(`it answered the MQTT CONNECT with ${packet.cmd.toUpperCase()} (an echo server?)`), { code: 'NOT_MQTT' }));
  });
}

/** Node's codes for a broker certificate this client does not trust (no --cafile, or another CA's). */
const UNTRUSTED = new Set(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED']);

const CLIENT_CERT_HINT = 'pass a client certificate the broker trusts and its key: --cert FILE --key FILE (a registry\'s, made by `mpy-iot certs registry <id>`: --cert certs/registries/<id>.pem --key certs/registries/<id>.key)';

/**
 * A TLS handshake failure in words an operator can act on (OpenSSL's own text, with its source
 * file and line, stays in the cause for --verbose); null when the error is not TLS's.
 */
export function tlsFailure(error: unknown): { reason: string; hint: string } | null {
  const code = String((error as { code?: unknown } | undefined)?.code ?? '');
  const said = (error as Error | undefined)?.message?.split('\n')[0] ?? '';
  if (UNTRUSTED.has(code)) {
    return { reason: `the broker's certificate is not signed by a CA this computer trusts (${code}: ${said})`, hint: "pass --cafile with the CA that signed the broker's certificate (a broker set up with `mpy-iot certs init`: --cafile certs/ca.pem)" };
  }
  if (code === 'INVALID_PURPOSE') return { reason: `the broker's certificate is not one for a server (${said})`, hint: 'give the broker a server certificate (extended key usage serverAuth), e.g. certs/broker.pem from `mpy-iot certs init`' };
  if (code === 'CERT_REVOKED') return { reason: `the broker's certificate has been revoked (${said})`, hint: "ask whoever runs the broker for its current certificate" };
  if (code === 'CERT_HAS_EXPIRED') return { reason: `the broker's certificate has expired (${said})`, hint: "renew the broker's certificate (`mpy-iot certs init --force` for a class broker), or check this computer's clock" };
  if (code === 'CERT_NOT_YET_VALID') return { reason: `the broker's certificate is not valid yet (${said})`, hint: "check this computer's clock" };
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return { reason: `the broker's certificate is not for this host name (${said})`, hint: 'connect by a name the certificate lists (`openssl x509 -in broker.pem -noout -ext subjectAltName`); for a class broker: `mpy-iot certs init --force --host <this name>`' };
  }
  if (!/^ERR_(SSL|TLS)_/.test(code)) return null;
  // Alerts the broker sent: what it thinks of our client certificate (or its absence).
  if (/ALERT_CERTIFICATE_REQUIRED$/.test(code)) return { reason: 'the broker wants a client certificate (it requires one on this port) and none was given', hint: CLIENT_CERT_HINT };
  if (/ALERT_UNKNOWN_CA$/.test(code)) return { reason: 'the broker does not trust the CA that signed the client certificate (--cert)', hint: `give a certificate signed by the CA the broker trusts (its cafile); ${CLIENT_CERT_HINT}` };
  if (/ALERT_CERTIFICATE_EXPIRED$/.test(code)) return { reason: 'the broker refused the client certificate (--cert): it has expired', hint: 'issue a new one (`mpy-iot certs registry <id> --force`) and register it where the broker checks certificates' };
  if (/ALERT_(BAD_CERTIFICATE|CERTIFICATE_REVOKED|CERTIFICATE_UNKNOWN|UNSUPPORTED_CERTIFICATE|ACCESS_DENIED)$/.test(code)) {
    return { reason: `the broker refused the client certificate (--cert): ${code.replace(/^.*ALERT_/, '').toLowerCase().replace(/_/g, ' ')}`, hint: CLIENT_CERT_HINT };
  }
  if (/ALERT_HANDSHAKE_FAILURE$/.test(code)) return { reason: 'the broker ended the handshake (handshake failure): it may require a client certificate, or TLS settings this client lacks', hint: CLIENT_CERT_HINT };
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG') {
    return { reason: 'what answers on that port does not speak TLS', hint: 'use mqtt:// for a plain port, or the broker\'s TLS port (8883) with mqtts://' };
  }
  return { reason: `the handshake failed (${code}: ${said.replace(/^[0-9A-F]+:error:[0-9A-F]+:/, '').replace(/:\.\.\/deps\/.*$/, '')})`, hint: 'check the broker URL (mqtts://, port), --cafile, --cert and --key' };
}

/** Transport or CONNACK failure → DeviceError naming the broker, with a hint. */
export function brokerError(error: unknown, url: string, doing = 'connect to'): DeviceError {
  const e = error as { code?: unknown } | undefined;
  const where = safeUrl(url);
  if (isNotMqtt(error)) {
    // mqtt-packet's own words ("Invalid header flag bits … puback") stay in the cause (--verbose).
    const detail = (e as { code?: unknown }).code === 'NOT_MQTT' ? (error as Error).message : 'what it answered is not MQTT (a web server, or another protocol?)';
    return new DeviceError(`${where} is not an MQTT broker: ${detail}`, {
      cause: error,
      hint: 'something else (a web server?) listens on that port: check the host and port of the URL; MQTT brokers listen on 1883 (mqtts:// on 8883); `mpy-iot broker` starts one',
    });
  }
  const tls = tlsFailure(error);
  if (tls) return new DeviceError(`could not ${doing} ${where}: TLS: ${tls.reason}`, { cause: error, hint: tls.hint });
  const code = e?.code;
  let hint: string | undefined;
  if (code === 'ECONNREFUSED') hint = 'nothing accepts connections there: start a broker (`mpy-iot broker`) or check the URL and port';
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') hint = 'the host name does not resolve: check the URL';
  else if (code === 4 || code === 134) hint = 'the broker refused the user name or password';
  else if (code === 5 || code === 135) hint = 'the broker refused this client: check credentials, certificates and topic permissions';
  else if (/connack timeout|no CONNACK/i.test(String((error as Error | undefined)?.message))) hint = 'something accepts TCP connections there but never answered the MQTT CONNECT: is it an MQTT broker? check the port (mqtts:// for a TLS port)';
  else if (code === 'ETIMEDOUT' || code === 'ECONNRESET') hint = 'the broker did not answer: check the URL, port, TLS (mqtts://) and firewall';
  const message = e instanceof Error ? e.message : String(error);
  return new DeviceError(`could not ${doing} ${where}: ${message}`, { cause: error, ...(hint ? { hint } : {}) });
}

/**
 * Connects once (no automatic reconnect) and resolves when CONNACK arrives; rejects with a
 * DeviceError on refusal, transport error or timeout. For short jobs (send, result).
 */
export function connectOnce(url: string, options: MqttOptions = {}, timeoutMs = 10_000): Promise<MqttClient> {
  const client = mqtt.connect(url, {
    clientId: toolClientId('cli'),
    clean: true,
    protocolVersion: 4,
    connectTimeout: timeoutMs,
    ...options,
    reconnectPeriod: 0,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(Object.assign(new Error(`no CONNACK within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
    const fail = (error: unknown): void => {
      clearTimeout(timer);
      client.removeAllListeners('connect');
      client.end(true);
      reject(brokerError(error, url));
    };
    client.once('error', fail);
    refuseNonMqtt(client, fail);
    client.once('close', () => fail(new Error('connection closed before CONNACK')));
    client.once('connect', () => {
      clearTimeout(timer);
      client.removeListener('error', fail);
      client.removeAllListeners('close');
      // Later transport errors surface through the operation in progress, not as an unhandled 'error'.
      client.on('error', () => undefined);
      resolve(client);
    });
  });
}

export interface PublishOptions {
  url: string;
  topic: string;
  payload: Buffer | string;
  qos?: 0 | 1;
  mqttOptions?: MqttOptions;
  timeoutMs?: number;
}

/** Connect, publish one message (QoS 1 by default: resolved once the broker acknowledged it), disconnect. */
export async function publishOnce(options: PublishOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const client = await connectOnce(options.url, options.mqttOptions, timeoutMs);
  try {
    await publishAcked(client, options.url, options.topic, options.payload, { qos: options.qos ?? 1, timeoutMs });
  } finally {
    await endClient(client);
  }
}

/** One connection, several messages in order (grading a class of 30 is one connect, not 30). */
export async function publishAll(url: string, messages: { topic: string; payload: Buffer | string }[], mqttOptions: MqttOptions = {}, timeoutMs = 10_000): Promise<void> {
  const client = await connectOnce(url, mqttOptions, timeoutMs);
  try {
    for (const m of messages) await publishAcked(client, url, m.topic, m.payload, { qos: 1, timeoutMs });
  } finally {
    await endClient(client);
  }
}

/**
 * Publishes and waits for the broker's PUBACK (QoS 1) or the write (QoS 0). A broker that refuses
 * the topic may drop the connection instead (Aedes and `broker --iot-core` do: MQTT 3.1.1 has no
 * negative PUBACK), and mqtt.js then keeps the publish pending for a reconnect that never comes:
 * the close is the refusal, reported naming the topic.
 */
export async function publishAcked(client: MqttClient, url: string, topic: string, payload: Buffer | string, options: { qos: 0 | 1; timeoutMs?: number }): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  let onClose: (() => void) | undefined;
  const dropped = new Promise<never>((_, reject) => {
    onClose = () =>
      reject(
        new DeviceError(`${safeUrl(url)} dropped the connection instead of accepting the publish to ${topic}: it does not let this login publish there`, {
          hint: `check the broker's ACL for this login; on Yandex IoT Core (and \`mpy-iot broker --iot-core\`) a registry may publish only to $devices/<id>/commands|config of its devices and $registries/<id>/commands|config${topic.startsWith('$') ? '' : `, so ${topic} is refused`}`,
        }),
      );
    if (client.stream?.destroyed) onClose();
    else client.once('close', onClose);
  });
  const sent = client.publishAsync(topic, payload, { qos: options.qos }).catch((error: unknown) => {
    throw error instanceof DeviceError ? error : brokerError(error, url, `publish to ${topic} on`);
  });
  try {
    await withTimeout(Promise.race([sent, dropped]), timeoutMs, `no PUBACK for ${topic} within ${timeoutMs} ms`);
  } finally {
    if (onClose) client.removeListener('close', onClose);
    // Whichever lost the race must not become an unhandled rejection.
    sent.catch(() => undefined);
    dropped.catch(() => undefined);
  }
}

/**
 * Ends a short-lived client. mqtt.js 5.16's end(true) waits for the stream's 'close', which has
 * already fired when the broker dropped the connection: awaiting it then never returns (measured:
 * `result` hung forever on a broker that refused RESULT). end() still stops its keepalive timer.
 */
export async function endClient(client: MqttClient): Promise<void> {
  if (client.stream?.destroyed) {
    client.end(true);
    return;
  }
  await client.endAsync(true);
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeviceError(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
