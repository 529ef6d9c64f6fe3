// The host side of a virtual board's blocking calls (`_host.call(op, …)` in the Python shims):
// Wi-Fi against the virtual access point, sockets, and the sensor scenario.
import { MAX_RECV_BYTES, SLOT } from './protocol.mjs';
import type { HostSockets, SocketReply } from './sockets.ts';
import type { VirtualWifi } from './wifi.ts';

export type HostReply = SocketReply | { r: number; s?: string };

export interface HostWorld {
  wifi: VirtualWifi;
  sockets: HostSockets;
  /** Tells the worker the station's new status (kept in shared memory). */
  publishWifi(): void;
  accessPointSsid: string;
  /** °C, or null when the sensor fails this read. */
  temperature(): number | null;
}

const unreachable: HostReply = { r: -1, s: 'EHOSTUNREACH' };

export function answerHostCall(op: string, args: unknown[], world: HostWorld): Promise<HostReply> | HostReply {
  const [a, b, c, d, e, f] = args as [unknown, unknown, unknown, unknown, unknown, unknown];
  const { wifi, sockets } = world;
  const online = (): boolean => wifi.status() === 'GOT_IP';
  const hex = (value: unknown): Buffer => Buffer.from(String(value), 'hex');
  switch (op) {
    case 'wifi_connect':
      wifi.connect(String(a), String(b));
      world.publishWifi();
      return { r: 0 };
    case 'wifi_disconnect':
      wifi.disconnect();
      world.publishWifi();
      sockets.cutAll('ECONNABORTED');
      return { r: 0 };
    case 'wifi_rssi':
      return { r: wifi.rssi() };
    case 'wifi_ifconfig':
      return { r: 0, s: `${wifi.ip},255.255.255.0,192.168.4.1,192.168.4.1` };
    case 'wifi_essid':
      return { r: 0, s: wifi.essid };
    case 'wifi_scan':
      return { r: 0, s: world.accessPointSsid };
    case 'resolve':
      return online() ? sockets.resolve(String(a)) : unreachable;
    case 'sock_open':
      return sockets.open();
    case 'sock_connect':
      return online() ? sockets.connect(Number(a), String(b), Number(c), Number(d)) : unreachable;
    case 'sock_connect_start':
      return online() ? sockets.connectStart(Number(a), String(b), Number(c)) : unreachable;
    case 'sock_poll': {
      const pairs = String(a).split(',').filter(Boolean).map((p) => p.split(':').map(Number));
      return sockets.poll(pairs.map((p) => p[0]!), pairs.map((p) => p[1]!), Number(b));
    }
    case 'sock_tls':
      return sockets.startTls(Number(a), String(b), Number(c), hex(d), hex(e), hex(f));
    case 'sock_send':
      return sockets.send(Number(a), hex(b));
    case 'sock_recv':
      // The reply (base64 in JSON) must fit the shared data area: never more than MAX_RECV_BYTES.
      return sockets.recv(Number(a), Math.min(Number(b), MAX_RECV_BYTES), Number(c));
    case 'sock_close':
      return sockets.close(Number(a));
    case 'temperature': {
      const value = world.temperature();
      return value === null ? { r: 0, s: 'EIO' } : { r: value };
    }
    default:
      return { r: -1, s: 'EINVAL' };
  }
}

/**
 * Hands the worker its answer: the reply as JSON (bytes as base64) in the shared data area, the
 * host-time stamp of when the host finished (`endedAt`), then the flag it waits on.
 */
export function postReply(ctrl: Int32Array, data: Uint8Array, reply: HostReply, endedAt: number): void {
  const json = JSON.stringify({ r: reply.r, ...(reply.s === undefined ? {} : { s: reply.s }), ...('d' in reply && reply.d ? { d: reply.d.toString('base64') } : {}) });
  const { written } = new TextEncoder().encodeInto(json, data);
  Atomics.store(ctrl, SLOT.replyLength, written);
  Atomics.store(ctrl, SLOT.callEnded, endedAt);
  Atomics.store(ctrl, SLOT.reply, 1);
  Atomics.notify(ctrl, SLOT.reply);
}
