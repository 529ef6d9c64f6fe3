// tools/serial/rfc2217: a Telnet COM-port-control (RFC 2217) server for serial far ends.
export { serveRfc2217, type Rfc2217Options, type Rfc2217Server } from './server.ts';
export { TelnetParser, escapeData } from './telnet.ts';
