// The live dashboard: a Watch (the harness `watch`/`verify` run on) feeding an HTTP server that
// pushes the class's state to every open page over server-sent events, once a second, one stream
// per page (no polling). Buttons POST to /api/command, refused (403) unless commands are allowed.
import { samePassword } from '../broker/auth.ts';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { ResolvedDevice } from '../config/types.ts';
import { DeviceError, InputError, MpyIotError } from '../errors.ts';
import { collisionReason, gradesCsv, safeUrl, startWatch, type Language, type MqttOptions } from '../harness/index.ts';
import { parseActionRequest, runAction } from './actions.ts';
import { loadAssets } from './assets.ts';
import { TemperatureHistory } from './history.ts';
import { dashboardState, type DashboardState } from './state.ts';

export interface DashboardOptions {
  /** Broker to watch (credentials in mqttOptions). */
  url: string;
  mqttOptions?: MqttOptions;
  /** The roster: one card each. Without devices, every board on `topics` gets a card. */
  devices?: ResolvedDevice[];
  topics?: string[];
  schemaPath?: string;
  /** Language of the grade sentences (the project's grading.language). */
  language?: Language;
  /** Default 127.0.0.1: anyone on the LAN could open the page otherwise. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /** Let the page's buttons send commands and results. Default false (403). */
  allowCommands?: boolean;
  /** With allowCommands: every command must carry this token (X-Dashboard-Token header). */
  token?: string;
  /** How often the pages get the new state; default 1000 ms. */
  pushMs?: number;
}

export interface Dashboard {
  /** http://host:port/ of the page. */
  url: string;
  port: number;
  /** The address the server is bound to (127.0.0.1 unless a host was given). */
  address: string;
  /** The state the pages are shown now. */
  state(): DashboardState;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4096;
const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
  'Cache-Control': 'no-store',
};

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': type, ...SECURITY_HEADERS, ...headers });
  res.end(body);
}
const sendJson = (res: ServerResponse, status: number, value: unknown): void => send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new InputError(`the request body is larger than ${MAX_BODY_BYTES} bytes`));
        // Drain the rest instead of resetting the connection, so the client gets the answer.
        req.removeAllListeners('data');
        req.resume();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Host header: localhost, an IP address, or the name the dashboard was told to listen on. */
function hostAllowed(header: string | undefined, listenHost: string | undefined): boolean {
  if (header === undefined) return true; // HTTP/1.0 clients; browsers always send it
  const name = header.replace(/:\d+$/, '').replace(/^\[|\]$/g, '').toLowerCase();
  return name === 'localhost' || net.isIP(name) !== 0 || name === listenHost?.toLowerCase();
}


export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const devices = options.devices ?? [];
  const allowCommands = options.allowCommands === true;
  const assets = loadAssets();
  const watch = startWatch({
    url: options.url,
    ...(options.mqttOptions ? { mqttOptions: options.mqttOptions } : {}),
    devices,
    ...(options.topics ? { topics: options.topics } : {}),
    ...(options.schemaPath ? { schemaPath: options.schemaPath } : {}),
  });
  const history = new TemperatureHistory();
  watch.on('message', (m) => history.add(m));
  let connection = 'connecting';
  watch.on('connection', (c) => (connection = c));
  // A transport error after the first subscription is shown on the page; the client reconnects.
  watch.on('error', (e) => (connection = `error: ${e.message}`));
  try {
    await watch.ready(10_000);
  } catch (error) {
    await watch.stop();
    throw error;
  }

  const broker = safeUrl(options.url);
  const state = (): DashboardState => {
    const snapshot = watch.snapshot();
    return dashboardState({ snapshot, devices, language: options.language ?? 'en', broker, connection, commands: allowCommands, collisions: snapshot.collisions.map(collisionReason) });
  };

  const streams = new Set<ServerResponse>();
  const event = (value: unknown): string => `data: ${JSON.stringify(value)}\n\n`;
  const timer = setInterval(() => {
    const points = history.takeFresh();
    if (streams.size === 0) return;
    const message = event({ state: state(), points }); // one serialisation for every open page
    for (const res of streams) res.write(message);
  }, options.pushMs ?? 1000);
  timer.unref();

  async function command(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowCommands) return sendJson(res, 403, { ok: false, error: 'this dashboard is read-only: start it with --allow-commands to use the buttons' });
    // A page from another site must not drive the boards through a teacher's browser (CSRF):
    // browsers always send Origin on a cross-site POST.
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`) return sendJson(res, 403, { ok: false, error: `commands are only accepted from the dashboard's own page, not from ${origin}` });
    if (options.token !== undefined) {
      const given = req.headers['x-dashboard-token'];
      if (typeof given !== 'string' || !samePassword(Buffer.from(given), options.token)) return sendJson(res, 403, { ok: false, error: 'wrong or missing dashboard token: open the page with the URL the dashboard printed (it ends in #token=…)' });
    }
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return sendJson(res, 415, { ok: false, error: 'send the command as Content-Type: application/json' });
    try {
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch (cause) {
        throw cause instanceof InputError ? cause : new InputError('the request body is not JSON');
      }
      const outcome = await runAction(parseActionRequest(body), { url: options.url, mqttOptions: options.mqttOptions ?? {}, devices, grades: () => state().grades });
      sendJson(res, 200, outcome);
    } catch (error) {
      const status = error instanceof InputError ? 400 : error instanceof DeviceError ? 504 : 500;
      const message = error instanceof MpyIotError ? `${error.message}${error.hint ? ` (${error.hint})` : ''}` : 'internal error';
      sendJson(res, status, { ok: false, error: message });
    }
  }

  const server = http.createServer((req, res) => {
    // DNS rebinding: a web site whose name suddenly resolves to 127.0.0.1 would read the class's
    // names from its own origin. Such requests carry its name in Host; ours carry an address.
    if (!hostAllowed(req.headers.host, options.host)) return send(res, 403, 'text/plain; charset=utf-8', 'open the dashboard by its address (http://127.0.0.1:…/ or this computer\'s IP)');
    const route = new URL(req.url ?? '/', 'http://dashboard').pathname;
    if (req.method === 'POST' && route === '/api/command') return void command(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed', { Allow: 'GET, HEAD, POST' });
    if (route === '/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive', ...SECURITY_HEADERS });
      res.write('retry: 2000\n\n');
      res.write(event({ state: state(), points: history.all() }));
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    if (route === '/api/state') return sendJson(res, 200, state());
    if (route === '/grades.csv') {
      const day = new Date().toISOString().slice(0, 10);
      return send(res, 200, 'text/csv; charset=utf-8', gradesCsv(state().grades), { 'Content-Disposition': `attachment; filename="grades-${day}.csv"` });
    }
    // Browsers ask for it on their own; an empty answer keeps a 404 out of the page's console.
    if (route === '/favicon.ico') return void res.writeHead(204, SECURITY_HEADERS).end();
    const asset = assets.get(route);
    if (asset) return send(res, 200, asset.type, asset.body);
    send(res, 404, 'text/plain; charset=utf-8', `no such page: ${route}`);
  });
  const host = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8080, host, () => resolve());
    });
  } catch (error) {
    clearInterval(timer);
    await watch.stop();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new InputError(`port ${options.port ?? 8080} on ${host} is already in use`, [], { cause: error, hint: 'pick another with --port (0 = any free port)' });
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new InputError(`--host ${host}: not an address of this computer`, [], { cause: error, hint: 'use 127.0.0.1, 0.0.0.0 or one of this computer\'s LAN addresses' });
    throw new DeviceError(`could not start the dashboard on ${host}: ${(error as Error).message}`, { cause: error });
  }
  const { port, address } = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    address,
    state,
    close: () =>
      (closing ??= (async () => {
        clearInterval(timer);
        for (const res of streams) res.end();
        streams.clear();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await watch.stop();
      })()),
  };
}
