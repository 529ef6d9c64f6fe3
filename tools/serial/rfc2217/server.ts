// An RFC 2217 (Telnet COM port control) server in front of a serial far end, so tools built on
// pyserial (esptool `--port rfc2217://127.0.0.1:PORT`, mpremote `connect rfc2217://…`) reach a
// virtual board with its modem lines and baud rate, which a pseudo-terminal cannot carry.
//
// It behaves as a serial port server that keeps the port open between clients (pyserial's
// rfc2217_server, esptool's esp_rfc2217_server): one client at a time (a second connection is
// refused, as a busy port), DTR/RTS and the baud rate persist across clients, every option is
// answered with the value now in force, and data is paced at the current baud (10 bits per
// byte, both directions) when `pace` is on. 127.0.0.1 only.
import net from 'node:net';
import { DeviceError } from '../../errors.ts';
import { ByteThrottle, uartBytesPerSecond } from '../throttle.ts';
import type { SerialFarEnd } from '../virtualBinding.ts';
import { ComPort, Control, Purge, readU32be, SERVER_REPLY_OFFSET, u32be } from './comPort.ts';
import { DO, DONT, escapeData, negotiation, Option, subnegotiation, TelnetParser, WILL, WONT, type TelnetEvent } from './telnet.ts';

export interface Rfc2217Options {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Pace both directions at the current baud (10 bits per byte). Default true. */
  pace?: boolean;
  /** The port's baud before any client sets one. */
  initialBaud?: number;
}

export interface Rfc2217Server {
  readonly port: number;
  /** rfc2217://127.0.0.1:PORT, as esptool and mpremote take it. */
  readonly url: string;
  /** The lines and baud as the last client left them. */
  readonly state: { lines: { dtr: boolean; rts: boolean }; baud: number; clients: number };
  close(): Promise<void>;
}

const SUPPORTED = new Set<number>([Option.BINARY, Option.SGA, Option.COM_PORT]);
/** Bytes queued toward the far end before the server stops reading the socket (TCP then pushes back). */
const HIGH_WATER = 64 * 1024;

/** Serves `farEnd` on 127.0.0.1; resolves once listening. */
export function serveRfc2217(farEnd: SerialFarEnd, options: Rfc2217Options = {}): Promise<Rfc2217Server> {
  const state = { lines: { dtr: false, rts: false }, baud: options.initialBaud ?? 115200, clients: 0 };
  const settings = { dataSize: 8, parity: 1, stopSize: 1 };
  const pace = options.pace ?? true;
  let active: net.Socket | undefined;
  const sockets = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (active) {
      // One host per serial port: a second client would split the byte stream.
      socket.end(escapeData(new TextEncoder().encode('port busy: another client is connected\r\n')));
      return;
    }
    active = socket;
    state.clients++;
    socket.setNoDelay(true);
    serveClient(socket);
  });

  function serveClient(socket: net.Socket): void {
    const rate = (): number => (pace ? uartBytesPerSecond(state.baud) : Infinity);
    const send = (bytes: Uint8Array): void => {
      if (!socket.destroyed) socket.write(bytes);
    };
    const toHost = new ByteThrottle(rate, (bytes) => send(escapeData(bytes)));
    const toDevice = new ByteThrottle(rate, (bytes) => farEnd.receive(bytes));
    const parser = new TelnetParser();
    const enabled = new Set<string>();
    let gone = false;

    const answer = (command: number, value: Uint8Array): void => send(subnegotiation(Option.COM_PORT, Uint8Array.from([command + SERVER_REPLY_OFFSET, ...value])));
    const setLines = (lines: { dtr: boolean; rts: boolean }): void => {
      if (lines.dtr === state.lines.dtr && lines.rts === state.lines.rts) return;
      state.lines = lines;
      farEnd.signals?.({ ...lines });
    };

    const control = (value: number): number => {
      switch (value) {
        case Control.DTR_ON:
        case Control.DTR_OFF:
          setLines({ dtr: value === Control.DTR_ON, rts: state.lines.rts });
          return value;
        case Control.RTS_ON:
        case Control.RTS_OFF:
          setLines({ dtr: state.lines.dtr, rts: value === Control.RTS_ON });
          return value;
        case Control.REQ_DTR:
          return state.lines.dtr ? Control.DTR_ON : Control.DTR_OFF;
        case Control.REQ_RTS:
          return state.lines.rts ? Control.RTS_ON : Control.RTS_OFF;
        case Control.REQ_FLOW:
        case Control.FLOW_NONE:
        case Control.FLOW_XONXOFF:
        case Control.FLOW_HARDWARE:
          return Control.FLOW_NONE; // a virtual UART has no flow control: say so
        default:
          return Control.BREAK_OFF; // break requests and states
      }
    };

    const comPort = (payload: Uint8Array): void => {
      const [command = -1, ...rest] = payload;
      const value = Uint8Array.from(rest);
      switch (command) {
        case ComPort.SET_BAUDRATE: {
          const baud = readU32be(value);
          if (baud > 0 && baud !== state.baud) {
            state.baud = baud;
            farEnd.baudRate?.(baud);
          }
          return answer(command, u32be(state.baud));
        }
        case ComPort.SET_DATASIZE:
          if (value[0]) settings.dataSize = value[0];
          return answer(command, Uint8Array.of(settings.dataSize));
        case ComPort.SET_PARITY:
          if (value[0]) settings.parity = value[0];
          return answer(command, Uint8Array.of(settings.parity));
        case ComPort.SET_STOPSIZE:
          if (value[0]) settings.stopSize = value[0];
          return answer(command, Uint8Array.of(settings.stopSize));
        case ComPort.SET_CONTROL:
          return answer(command, Uint8Array.of(control(value[0] ?? Control.REQ_FLOW)));
        case ComPort.NOTIFY_LINESTATE:
          return answer(command, Uint8Array.of(0));
        case ComPort.NOTIFY_MODEMSTATE:
          return answer(command, Uint8Array.of(0));
        case ComPort.SET_LINESTATE_MASK:
        case ComPort.SET_MODEMSTATE_MASK:
          return answer(command, value.subarray(0, 1));
        case ComPort.PURGE_DATA:
          if (value[0] === Purge.RECEIVE || value[0] === Purge.BOTH) toHost.clear();
          if (value[0] === Purge.TRANSMIT || value[0] === Purge.BOTH) toDevice.clear();
          return answer(command, value.subarray(0, 1));
        default:
          return; // FLOWCONTROL_SUSPEND/RESUME and unknown commands: no answer
      }
    };

    // Telnet option negotiation (RFC 1143's rule: answer only a change, so it cannot loop).
    const negotiate = (verb: number, option: number): void => {
      const ours = verb === DO || verb === DONT;
      const key = `${ours ? 'us' : 'them'}:${option}`;
      const yes = verb === DO || verb === WILL;
      if (yes === enabled.has(key)) return;
      if (yes && SUPPORTED.has(option)) {
        enabled.add(key);
        send(negotiation(ours ? WILL : DO, option));
      } else if (yes) {
        send(negotiation(ours ? WONT : DONT, option));
      } else {
        enabled.delete(key);
        send(negotiation(ours ? WONT : DONT, option));
      }
    };

    const handle = (event: TelnetEvent): void => {
      if (event.type === 'data') {
        toDevice.send(event.bytes).catch(() => {});
        if (toDevice.pending > HIGH_WATER && !socket.isPaused()) {
          socket.pause();
          const resume = (): void => {
            if (gone) return;
            if (toDevice.pending > HIGH_WATER / 2) setTimeout(resume, 5);
            else socket.resume();
          };
          setTimeout(resume, 5);
        }
      } else if (event.type === 'negotiate') {
        negotiate(event.verb, event.option);
      } else if (event.option === Option.COM_PORT) {
        comPort(event.payload);
      }
    };

    farEnd.connect((bytes) => {
      if (!gone && bytes.length > 0) toHost.send(Uint8Array.from(bytes)).catch(() => {});
    });
    farEnd.baudRate?.(state.baud);
    // Ask for what pyserial needs: 8-bit data both ways and COM port control.
    for (const option of [Option.BINARY, Option.COM_PORT]) {
      enabled.add(`them:${option}`);
      send(negotiation(DO, option));
    }
    socket.on('data', (chunk: Buffer) => {
      for (const event of parser.push(chunk)) handle(event);
    });
    const end = (): void => {
      if (gone) return;
      gone = true;
      toHost.clear();
      toDevice.clear();
      if (active === socket) active = undefined;
      // The server keeps the port open: the lines stay as the client left them.
      farEnd.disconnect?.();
    };
    socket.on('error', end);
    socket.on('close', end);
  }

  return new Promise((resolve, reject) => {
    server.once('error', (cause: NodeJS.ErrnoException) =>
      reject(new DeviceError(`cannot serve RFC 2217 on 127.0.0.1:${options.port ?? 0}: ${cause.code ?? cause.message}`, { cause, hint: cause.code === 'EADDRINUSE' ? 'pick another port, or 0 for any free one' : undefined })),
    );
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        url: `rfc2217://127.0.0.1:${port}`,
        state,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
