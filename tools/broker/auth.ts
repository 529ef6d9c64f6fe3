// Who is connecting: username/password against the users list or the IoT Core entities, or a TLS
// client certificate. Pure decisions; index.ts turns a refusal into a CONNACK code and an event.
import { createHash, timingSafeEqual } from 'node:crypto';
import { normalizeFingerprint, type IotCoreModel } from './iot-core.ts';
import type { Identity, UserCredential } from './types.ts';

/** What the TLS layer learned about the client's certificate. */
export interface PeerCertificate {
  fingerprint256: string;
  cn: string | null;
  /** The chain verifies against the listener's `ca`. */
  verified: boolean;
  /** Why it does not verify, as OpenSSL says it (e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE). */
  problem?: string;
  /** valid_to when the certificate has expired / valid_from when it is not valid yet. */
  expired?: string;
  notYetValid?: string;
}

export interface Credentials {
  username?: string;
  password?: Buffer;
  cert?: PeerCertificate;
}

/** CONNACK return codes (MQTT 3.1.1 table 3.1): 4 bad user name or password, 5 not authorized. */
export type AuthResult = { ok: true; identity?: Identity } | { ok: false; returnCode: 4 | 5; rule: string };

/** Compares digests so neither the length nor the content of a secret leaks through timing. */
export function samePassword(given: Buffer, expected: string): boolean {
  const digest = (b: Buffer | string): Buffer => createHash('sha256').update(b).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

const refuse = (returnCode: 4 | 5, rule: string): AuthResult => ({ ok: false, returnCode, rule });

/**
 * A listener that requires a client certificate (`broker --tls-ca` without --iot-core): null when
 * the client's certificate verifies against the CA and is in date, else the refusal saying why.
 */
export function requiredCertRefusal(cert: PeerCertificate | undefined): AuthResult | null {
  const fix = 'connect with a client certificate signed by the --tls-ca CA (mqtts://, e.g. --cert/--key, or `mpy-iot certs device <id>`)';
  if (!cert) return refuse(5, `this TLS listener requires a client certificate (mTLS, --tls-ca) and the client presented none; ${fix}`);
  const outOfDate = certDateRefusal(cert, '', 'issue a new one');
  if (outOfDate) return outOfDate;
  if (!cert.verified) return refuse(5, `the client certificate (${cnOf(cert)}) is not signed by the --tls-ca CA${cert.problem ? ` (${cert.problem})` : ''}; ${fix}`);
  return null;
}

const cnOf = (cert: PeerCertificate): string => (cert.cn === null ? 'no CN' : `CN '${cert.cn}'`);

/** Refuses a certificate outside its dates (checked even for a pinned one: registering it does not extend them). */
function certDateRefusal(cert: PeerCertificate, prefix: string, renew: string): AuthResult | null {
  if (cert.expired) return refuse(5, `${prefix}the client certificate (${cnOf(cert)}) expired on ${cert.expired}; ${renew}`);
  if (cert.notYetValid) return refuse(5, `${prefix}the client certificate (${cnOf(cert)}) is not valid before ${cert.notYetValid} (is the clock right?)`);
  return null;
}

export function createAuthenticator(options: { users?: UserCredential[]; iotCore?: IotCoreModel }): (c: Credentials) => AuthResult {
  const users = new Map((options.users ?? []).map((u) => [u.username, u.password]));
  const model = options.iotCore;

  const userLogin = (username: string, password: Buffer | undefined): AuthResult => {
    const expected = users.get(username);
    if (expected === undefined) return refuse(4, `unknown user '${username}'`);
    if (password === undefined) return refuse(4, `user '${username}' gave no password`);
    if (!samePassword(password, expected)) return refuse(4, `wrong password for user '${username}'`);
    return { ok: true, identity: { kind: 'user', id: username, via: 'password' } };
  };

  if (!model) {
    return ({ username, password }) => {
      if (users.size === 0) return { ok: true };
      if (username === undefined) return refuse(5, 'this broker has a users list: anonymous clients are refused');
      return userLogin(username, password);
    };
  }

  const entityLogin = (username: string, password: Buffer): AuthResult | null => {
    const device = model.devices.get(username);
    const registry = model.registries.get(username);
    const entity = device ?? registry;
    if (!entity) return null;
    const what = `${device ? 'device' : 'registry'} '${username}'`;
    if (entity.password === undefined) return refuse(4, `IoT Core: ${what} has no password registered; it must log in with its certificate`);
    if (!samePassword(password, entity.password)) return refuse(4, `IoT Core: wrong password for ${what}`);
    return { ok: true, identity: identityOf(device ? 'device' : 'registry', username, 'password') };
  };

  const identityOf = (kind: 'device' | 'registry', id: string, via: 'password' | 'certificate'): Identity =>
    kind === 'device' ? { kind, id, registryId: model.devices.get(id)?.registryId ?? null, via } : { kind, id, via };

  /** Ids (devices, registries) that have a registered certificate fingerprint. */
  const registered = new Set([...model.byFingerprint.values()].map((e) => e.id));

  const certLogin = (cert: PeerCertificate): AuthResult => {
    const cn = cnOf(cert);
    const outOfDate = certDateRefusal(cert, 'IoT Core: ', 'issue a new one (mpy-iot certs device <id> --force)');
    if (outOfDate) return outOfDate;
    const pinned = model.byFingerprint.get(normalizeFingerprint(cert.fingerprint256));
    if (pinned) return { ok: true, identity: identityOf(pinned.kind, pinned.id, 'certificate') };
    // A CN is only a claim: it counts when our CA vouches for it, never on a self-signed certificate,
    // and only for an id with no registered certificate: once one is registered (a re-issued one
    // after a leaked key, say), any other certificate with that CN is refused, as in the cloud.
    if (cert.verified && cert.cn !== null && !registered.has(cert.cn)) {
      if (model.devices.has(cert.cn)) return { ok: true, identity: identityOf('device', cert.cn, 'certificate') };
      if (model.registries.has(cert.cn)) return { ok: true, identity: identityOf('registry', cert.cn, 'certificate') };
    }
    if (cert.verified && cert.cn !== null && registered.has(cert.cn)) {
      return refuse(5, `IoT Core: the client certificate (${cn}) is not the one registered for '${cert.cn}' (superseded or foreign); use the one \`mpy-iot certs\` issued last (certs/devices/, certs/registries/) or register this one`);
    }
    const trust = cert.verified ? 'signed by our CA' : `not signed by our CA${cert.problem ? `: ${cert.problem}` : ''}`;
    return refuse(
      5,
      `IoT Core: the client certificate (${cn}, ${trust}) matches no registered` +
        ' fingerprint, and only a CA-signed certificate whose CN is a device or registry id is accepted by name',
    );
  };

  return ({ username, password, cert }) => {
    // IoT Core: "the password takes precedence over the certificate" — a wrong password is not rescued by a good certificate.
    if (username !== undefined && password !== undefined) {
      const entity = entityLogin(username, password);
      if (entity) return entity;
      if (users.has(username)) return userLogin(username, password);
      return refuse(4, `IoT Core: '${username}' is not a known device or registry id`);
    }
    if (cert) return certLogin(cert);
    if (username !== undefined) return refuse(4, `IoT Core: '${username}' gave no password and presented no client certificate`);
    return refuse(5, 'IoT Core refuses anonymous clients: log in as a device or registry id with its password, or present a client certificate');
  };
}
