// The three ways in: TCP, WebSocket (MQTT.js in a browser), TLS. Each hands a duplex stream to
// aedes and remembers its sockets so close() does not wait on idle or half-open clients.
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { DeviceError } from '../errors.ts';
import type { TlsListenerOptions } from './types.ts';

export type Handle = (stream: Duplex, request?: http.IncomingMessage) => unknown;

export interface Listener {
  protocol: 'mqtt' | 'ws' | 'mqtts';
  port: number;
  url: string;
  close(): Promise<void>;
}

function urlFor(scheme: string, host: string, port: number, path = ''): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
}

/** Starts listening and returns a closer that also destroys whatever connections remain. */
async function serve(server: net.Server, host: string, port: number, what: string): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const hint = error.code === 'EADDRINUSE' ? `another process holds port ${port}; pick another port, or 0 for a free one` : undefined;
      reject(new DeviceError(`cannot listen for ${what} on ${host}:${port}: ${error.message}`, { cause: error, ...(hint ? { hint } : {}) }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      })),
  };
}

export async function listenTcp(handle: Handle, host: string, port: number): Promise<Listener> {
  const server = net.createServer((socket) => handle(socket));
  const served = await serve(server, host, port, 'MQTT');
  return { protocol: 'mqtt', port: served.port, url: urlFor('mqtt', host, served.port), close: served.close };
}

/** Any request path is accepted (MQTT.js uses /mqtt by default); plain HTTP gets 426. */
export async function listenWs(handle: Handle, host: string, port: number): Promise<Listener> {
  const server = http.createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('this port speaks MQTT over WebSocket only\n');
  });
  const wss = new WebSocketServer({ server });
  // ws re-emits the HTTP server's errors (EADDRINUSE…) on itself; serve() already reports those.
  wss.on('error', () => undefined);
  wss.on('connection', (socket, request) => handle(createWebSocketStream(socket), request));
  const served = await serve(server, host, port, 'MQTT over WebSocket');
  return {
    protocol: 'ws',
    port: served.port,
    url: urlFor('ws', host, served.port, '/mqtt'),
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await served.close();
    },
  };
}

/**
 * Client certificates are requested but never rejected during the handshake: a client with no
 * certificate may still log in by password (IoT Core mode), and an unverified or missing one is
 * refused at CONNECT (IoT Core rules, or requireClientCert) with a CONNACK code and a 'refused'
 * event naming the reason — far easier to diagnose than a TLS alert.
 */
export async function listenTls(handle: Handle, host: string, options: TlsListenerOptions, onTlsError: (error: Error, remote: string) => void): Promise<Listener> {
  const server = tls.createServer(
    {
      cert: options.cert,
      key: options.key,
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      requestCert: (options.requestClientCert ?? false) || (options.requireClientCert ?? false),
      rejectUnauthorized: false,
    },
    (socket) => handle(socket),
  );
  server.on('tlsClientError', (error, socket) => onTlsError(error, `${socket.remoteAddress}:${socket.remotePort}`));
  const served = await serve(server, host, options.port, 'MQTT over TLS');
  return { protocol: 'mqtts', port: served.port, url: urlFor('mqtts', host, served.port), close: served.close };
}
