// IoT Core mode: a client id belongs to the identity holding it. MQTT says a CONNECT with a client
// id already in use takes over that session and disconnects the old client [MQTT-3.1.4-2], which on
// a shared classroom broker lets a board holding dev-2's certificate (or password) knock dev-1 off
// on every reconnect. MQTT 5 §5.4.2 asks brokers to check that a client may use the id it gives;
// Azure Event Grid refuses a takeover of another client's live session, mochi-mqtt refuses one
// across user names, AWS IoT binds the id to the thing by policy. We refuse the newcomer (CONNACK 2,
// "identifier rejected") while another identity's session holding the id is alive; the same
// identity still takes over (a rebooted board must not be locked out by its own half-open session),
// and once the holder is gone the id is free (IoT Core keeps no persistent sessions to protect).
import type { Identity } from './types.ts';

/** One identity, however it logged in: dev-1 by password and dev-1 by certificate are the same device. */
function sameIdentity(a: Identity, b: Identity): boolean {
  return a.kind === b.kind && a.id === b.id;
}

const named = (identity: Identity): string => `${identity.kind === 'user' ? 'operator' : identity.kind} '${identity.id}'`;

/** Client id → the client that last claimed it, with who it is; a closed holder frees the id. */
export interface ClientIdHolders<C> {
  /** The live holder of another identity, or null when `identity` may have the id. */
  conflict(clientId: string, client: C, identity: Identity): { identity: Identity; remote: string } | null;
  claim(clientId: string, client: C, identity: Identity, remote: string): void;
  /** The client is gone: its id is free unless someone else claimed it meanwhile. */
  release(clientId: string, client: C): void;
}

export function clientIdHolders<C>(isLive: (client: C) => boolean): ClientIdHolders<C> {
  // Kept from authentication on, not from registration: aedes registers a client only after some
  // asynchronous steps, and two CONNECTs with one id can both be between the two.
  const holders = new Map<string, { client: C; identity: Identity; remote: string }>();
  return {
    conflict(clientId, client, identity) {
      const holder = holders.get(clientId);
      if (!holder || holder.client === client || !isLive(holder.client) || sameIdentity(holder.identity, identity)) return null;
      return { identity: holder.identity, remote: holder.remote };
    },
    claim(clientId, client, identity, remote) {
      holders.set(clientId, { client, identity, remote });
    },
    release(clientId, client) {
      if (holders.get(clientId)?.client === client) holders.delete(clientId);
    },
  };
}

/** The refusal, naming the client id and both identities (never a credential). */
export function takeoverRule(clientId: string, holder: { identity: Identity; remote: string }, newcomer: { identity: Identity; remote: string }): string {
  return (
    `IoT Core: client id '${clientId}' is in use by ${named(holder.identity)} (from ${holder.remote}); ` +
    `${named(newcomer.identity)} (from ${newcomer.remote}) may not take it over — give each board its own client id ` +
    '(the default mpy-iot-{mac} is unique); the same device reconnecting still takes its session back'
  );
}
