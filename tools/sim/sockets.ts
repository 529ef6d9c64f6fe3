// Host side of a virtual board's sockets: real TCP (and TLS) connections whose blocking
// operations the worker waits for. Errors are reported by errno name so the board's Python
// raises OSError with its own interpreter's errno values.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';

export interface SocketReply {
  /** Result: bytes moved, 0 for end of stream, or -1 with `s` holding the errno name. */
  r: number;
  s?: string;
  d?: Buffer;
}

export type ConnectTarget = (host: string, port: number) => { host: string; port: number };

const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;
const NODE_TO_ERRNO: Record<string, string> = {
  ECONNREFUSED: 'ECONNREFUSED',
  ECONNRESET: 'ECONNRESET',
  ETIMEDOUT: 'ETIMEDOUT',
  EHOSTUNREACH: 'EHOSTUNREACH',
  ENETUNREACH: 'EHOSTUNREACH',
  EPIPE: 'ECONNRESET',
  ECONNABORTED: 'ECONNABORTED',
};
const fail = (name: string): SocketReply => ({ r: -1, s: name });

class HostSocket {
  constructor(
    readonly id: number,
    private readonly changed: (id: number) => void,
  ) {}

  stream: net.Socket | null = null;
  chunks: Buffer[] = [];
  ended = false;
  /** A non-blocking connect in progress (the board saw EINPROGRESS). */
  connecting = false;
  error: string | null = null;
  private waiter: (() => void) | null = null;

  attach(stream: net.Socket): void {
    this.stream = stream;
    stream.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.wake();
    });
    stream.on('end', () => {
      this.ended = true;
      this.wake();
    });
    stream.on('error', (err: NodeJS.ErrnoException) => {
      this.error = NODE_TO_ERRNO[err.code ?? ''] ?? 'ECONNRESET';
      this.wake();
    });
    stream.on('close', () => {
      this.ended = true;
      this.wake();
    });
  }

  get readable(): boolean {
    return this.chunks.length > 0 || this.ended || this.error !== null;
  }

  /** select.poll() events: POLLIN 1, POLLOUT 4, POLLERR 8, POLLHUP 16 (MicroPython's values). */
  get events(): number {
    let events = 0;
    if (this.chunks.length > 0 || this.ended) events |= 1;
    if (this.stream && !this.connecting && !this.ended && this.error === null) events |= 4;
    if (this.error !== null) events |= 8;
    if (this.ended && this.chunks.length === 0) events |= 16;
    return events;
  }

  wake(): void {
    this.changed(this.id);
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  /** Resolves when data, end, error, or the timeout (ms; negative = none) comes first. */
  waitForData(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = timeoutMs >= 0 ? setTimeout(() => this.wake(), timeoutMs) : null;
      this.waiter = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
    });
  }

  take(max: number): Buffer {
    const all = Buffer.concat(this.chunks);
    const out = all.subarray(0, max);
    this.chunks = all.length > max ? [all.subarray(max)] : [];
    return out;
  }
}

export class HostSockets {
  private readonly sockets = new Map<number, HostSocket>();
  private nextId = 1;
  /** Pending select.poll() calls, woken by any change on any socket. */
  private readonly pollWaiters = new Set<() => void>();

  /**
   * @param readiness shared slots the worker reads to answer non-blocking reads of idle sockets
   *   itself: slot `id % readiness.length` is 1 while any socket mapped to it has something to read.
   */
  constructor(
    private readonly target: ConnectTarget = (host, port) => ({ host, port }),
    private readonly readiness: Int32Array = new Int32Array(1),
  ) {}

  private readonly updateReadiness = (id: number): void => {
    const slot = id % this.readiness.length;
    let ready = 0;
    for (const sock of this.sockets.values()) if (sock.id % this.readiness.length === slot && sock.readable) ready = 1;
    Atomics.store(this.readiness, slot, ready);
    for (const wake of [...this.pollWaiters]) wake();
  };

  open(): SocketReply {
    const id = this.nextId++;
    this.sockets.set(id, new HostSocket(id, this.updateReadiness));
    return { r: id };
  }

  async resolve(host: string): Promise<{ r: number; s?: string }> {
    if (net.isIP(host)) return { r: 0, s: host };
    try {
      const { address } = await lookup(host === 'localhost' ? '127.0.0.1' : host, { family: 4 });
      return { r: 0, s: address };
    } catch {
      return { r: -1, s: 'EHOSTUNREACH' };
    }
  }

  connect(id: number, host: string, port: number, timeoutMs: number): Promise<SocketReply> {
    const sock = this.sockets.get(id);
    if (!sock) return Promise.resolve(fail('EBADF'));
    if (sock.stream) return Promise.resolve(fail('EISCONN'));
    const to = this.target(host, port);
    return new Promise((resolve) => {
      const stream = net.connect({ host: to.host, port: to.port });
      const limit = timeoutMs > 0 ? timeoutMs : DEFAULT_CONNECT_TIMEOUT_MS;
      const timer = setTimeout(() => {
        stream.destroy();
        resolve(fail('ETIMEDOUT'));
      }, limit);
      stream.once('connect', () => {
        clearTimeout(timer);
        stream.setNoDelay(true);
        sock.attach(stream);
        resolve({ r: 0 });
      });
      stream.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve(fail(NODE_TO_ERRNO[err.code ?? ''] ?? 'ECONNREFUSED'));
      });
    });
  }

  /** A non-blocking connect: starts it and returns at once; poll() reports POLLOUT when it is up. */
  connectStart(id: number, host: string, port: number): SocketReply {
    const sock = this.sockets.get(id);
    if (!sock) return fail('EBADF');
    if (sock.stream) return fail(sock.connecting ? 'EALREADY' : 'EISCONN');
    const to = this.target(host, port);
    const stream = net.connect({ host: to.host, port: to.port });
    sock.connecting = true;
    sock.stream = stream;
    stream.once('connect', () => {
      sock.connecting = false;
      stream.setNoDelay(true);
      sock.attach(stream);
      sock.wake();
    });
    stream.once('error', (err: NodeJS.ErrnoException) => {
      if (!sock.connecting) return;
      sock.connecting = false;
      sock.error = NODE_TO_ERRNO[err.code ?? ''] ?? 'ECONNREFUSED';
      sock.wake();
    });
    return { r: 0 };
  }

  /** select.poll(): events per socket id (comma-separated), waiting up to timeoutMs (negative: forever) for any. */
  async poll(ids: number[], masks: number[], timeoutMs: number): Promise<SocketReply> {
    const events = (): number[] => ids.map((id, i) => (this.sockets.get(id)?.events ?? 32) & (masks[i]! | 8 | 16 | 32));
    let now = events();
    if (timeoutMs !== 0 && now.every((e) => e === 0)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          if (timer) clearTimeout(timer);
          this.pollWaiters.delete(check);
          resolve();
        };
        const check = (): void => {
          if (events().some((e) => e !== 0)) done();
        };
        const timer = timeoutMs > 0 ? setTimeout(done, timeoutMs) : null;
        this.pollWaiters.add(check);
      });
      now = events();
    }
    return { r: now.filter((e) => e !== 0).length, s: now.join(',') };
  }

  /** Upgrades a connected socket to TLS with the certificates the firmware loaded. */
  startTls(id: number, servername: string, verifyMode: number, ca: Buffer, cert: Buffer, key: Buffer): Promise<SocketReply> {
    const sock = this.sockets.get(id);
    if (!sock?.stream) return Promise.resolve(fail('ENOTCONN'));
    // mbedTLS with CERT_REQUIRED and no CA loaded cannot verify anything: the handshake fails.
    if (verifyMode === 2 && ca.length === 0) return Promise.resolve(fail('MBEDTLS_ERR_X509_CERT_VERIFY_FAILED'));
    const raw = sock.stream;
    raw.removeAllListeners('data').removeAllListeners('end').removeAllListeners('error').removeAllListeners('close');
    return new Promise((resolve) => {
      const secure = tls.connect({
        socket: raw,
        servername: net.isIP(servername) ? undefined : servername || undefined,
        ca: ca.length ? toPem(ca, 'CERTIFICATE') : undefined,
        cert: cert.length ? toPem(cert, 'CERTIFICATE') : undefined,
        key: key.length ? toPem(key, 'KEY') : undefined,
        rejectUnauthorized: verifyMode === 2,
        // The boards' TLS stacks (mbedTLS on ESP32, axTLS on ESP8266) speak TLS 1.2, where a server
        // refusing the client certificate fails the handshake with an alert; under TLS 1.3 the
        // refusal would only show up later as a reset connection.
        maxVersion: 'TLSv1.2',
        checkServerIdentity: net.isIP(servername) || !servername ? () => undefined : tls.checkServerIdentity,
      });
      secure.once('secureConnect', () => {
        sock.attach(secure);
        resolve({ r: 0 });
      });
      secure.once('error', (err) => resolve(fail(`TLS: ${err.message}`)));
    });
  }

  send(id: number, data: Buffer): SocketReply {
    const sock = this.sockets.get(id);
    if (!sock?.stream) return fail('ENOTCONN');
    if (sock.connecting) return fail('EAGAIN');
    if (sock.error) return fail(sock.error);
    if (sock.ended || sock.stream.destroyed) return fail('ECONNRESET');
    sock.stream.write(data);
    return { r: data.length };
  }

  async recv(id: number, max: number, timeoutMs: number): Promise<SocketReply> {
    const sock = this.sockets.get(id);
    if (!sock?.stream) return fail('ENOTCONN');
    if (sock.connecting) return fail('EAGAIN');
    if (sock.chunks.length === 0 && !sock.ended && !sock.error) {
      if (timeoutMs === 0) return fail('EAGAIN');
      await sock.waitForData(timeoutMs);
    }
    if (sock.chunks.length > 0) {
      const d = sock.take(max);
      this.updateReadiness(id);
      return { r: d.length, d };
    }
    if (sock.error) return fail(sock.error);
    if (sock.ended) return { r: 0 };
    return fail(timeoutMs === 0 ? 'EAGAIN' : 'ETIMEDOUT');
  }

  close(id: number): SocketReply {
    this.sockets.get(id)?.stream?.destroy();
    this.sockets.delete(id);
    this.updateReadiness(id);
    return { r: 0 };
  }

  /** Every connection dies at once (broker cut, Wi-Fi loss, board reset). */
  cutAll(reason: string): void {
    for (const sock of this.sockets.values()) {
      sock.error = reason;
      sock.stream?.destroy();
      sock.wake();
    }
  }

  closeAll(): void {
    for (const id of [...this.sockets.keys()]) this.close(id);
  }

  get openCount(): number {
    return this.sockets.size;
  }
}

/** Node's TLS takes PEM; boards may hold DER (ESP8266 must). */
function toPem(data: Buffer, kind: 'CERTIFICATE' | 'KEY'): string {
  const text = data.toString('latin1');
  if (text.includes('-----BEGIN')) return text;
  if (kind === 'CERTIFICATE') return new X509Certificate(data).toString();
  return createPrivateKey({ key: data, format: 'der', type: 'pkcs1' }).export({ format: 'pem', type: 'pkcs1' }).toString();
}
