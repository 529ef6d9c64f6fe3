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

/** A stable address in 192.168.4.0/24 for the board's ifconfig(). */
export function ipForName(name: string): string {
  return `192.168.4.${10 + (createHash('sha256').update(name).digest()[0]! % 200)}`;
}
