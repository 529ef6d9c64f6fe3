// Which broker addresses a real board on the classroom Wi-Fi can reach. A board's 127.0.0.1 is the
// board itself, so a loopback broker URL works for virtual boards on this computer and for nothing else.
import net from 'node:net';
import os from 'node:os';

/** localhost, 127.0.0.0/8, ::1 (and 0.0.0.0, which is no destination at all). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost' || bare.endsWith('.localhost') || bare === '::1' || bare === '0.0.0.0' || bare === '::') return true;
  return net.isIPv4(bare) && bare.startsWith('127.');
}

/** An address of the local network: a private IPv4 range, or an address of this computer's own interfaces. */
export function isLanHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLoopbackHost(bare)) return false;
  if (net.isIPv4(bare)) {
    const [a, b] = bare.split('.').map(Number) as [number, number];
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254)) return true;
  }
  if (bare.endsWith('.local')) return true;
  return Object.values(os.networkInterfaces()).some((list) => list?.some((i) => i.address.toLowerCase() === bare));
}

/** This computer's IPv4 addresses other than loopback: where the classroom reaches a 0.0.0.0 listener. */
export function lanAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((i) => i.family === 'IPv4' && !i.internal)
    .map((i) => i.address);
}
