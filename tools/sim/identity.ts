import { createHash, randomBytes } from 'node:crypto';

/**
 * A MAC for one virtual board instance, under Espressif's 24:0a:c4 prefix. Random per instance (kept
 * across the board's resets), not derived from its name: two students running the default `team-1`
 * lab against one broker, or `simulate` started twice, must not share DATA/<mac> and the client id
 * built from it (the broker would disconnect them in turn forever).
 */
export function newVirtualMac(): string {
  return '240ac4' + randomBytes(3).toString('hex');
}

/**
 * The MAC of board number `index` (0-based, in the whole fleet) of a fleet split into shards across
 * machines: 240ac4 + (a base taken from the fleet's key + index), so every shard of one fleet
 * derives the same, distinct MACs without talking to the others, and another fleet (another key)
 * lands elsewhere in the 24-bit range.
 */
export function shardedMac(fleetKey: string, index: number): string {
  const base = createHash('sha256').update(fleetKey).digest().readUIntBE(0, 3);
  return '240ac4' + ((base + index) % 0x1000000).toString(16).padStart(6, '0');
}

/** A stable address in 192.168.4.0/24 for the board's ifconfig(). */
export function ipForName(name: string): string {
  return `192.168.4.${10 + (createHash('sha256').update(name).digest()[0]! % 200)}`;
}

export interface KickReport {
  board: string;
  clientId: string;
  /** Disconnects that came soon after a connect. */
  drops: number;
  /** Other boards of this run connecting with the same client id. */
  sharedWith: string[];
}

const KICK_WINDOW_MS = 15_000;
const KICKS_TO_REPORT = 3;

/**
 * Notices a board the broker keeps disconnecting soon after it connected: what a broker does when
 * another client connects with the same client id (it keeps only the newest). Reads the firmware's
 * console lines ("connecting … as <id>", "connected", "connection lost"); reports once per board.
 */
export function watchForKicks(boards: { name: string; on(event: 'console', listener: (l: { line: string; at: number }) => void): unknown }[], report: (kick: KickReport) => void): void {
  const clientIds = new Map<string, string>();
  for (const board of boards) {
    let connectedAt = -Infinity;
    let drops = 0;
    let reported = false;
    board.on('console', ({ line, at }) => {
      const id = /\bconnecting to \S+ as (\S+)/.exec(line);
      if (id) clientIds.set(board.name, id[1]!);
      else if (/\] INFO mqtt connected\b/.test(line)) connectedAt = at;
      else if (/\] WARN mqtt connection lost/.test(line) && at - connectedAt < KICK_WINDOW_MS && ++drops >= KICKS_TO_REPORT && !reported) {
        reported = true;
        const clientId = clientIds.get(board.name) ?? '?';
        const sharedWith = [...clientIds].filter(([name, cid]) => name !== board.name && cid === clientId).map(([name]) => name);
        report({ board: board.name, clientId, drops, sharedWith });
      }
    });
  }
}
