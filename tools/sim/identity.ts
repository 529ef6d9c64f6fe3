import { createHash } from 'node:crypto';

/** A stable MAC per board name, under Espressif's 24:0a:c4 prefix: same name, same DATA/<mac>. */
export function macForName(name: string): string {
  return '240ac4' + createHash('sha256').update(name).digest('hex').slice(0, 6);
}

/** A stable address in 192.168.4.0/24 for the board's ifconfig(). */
export function ipForName(name: string): string {
  return `192.168.4.${10 + (createHash('sha256').update(name).digest()[0]! % 200)}`;
}
