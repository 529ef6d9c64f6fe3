// tools/serial: the SerialLink contract and its serialport adapter, the virtual binding, pure REPL codecs, port detection.
export * from './link.ts';
export * from './virtualBinding.ts';
export * from './codecs.ts';
export * from './ports.ts';
export { ByteThrottle, uartBytesPerSecond } from './throttle.ts';
export { busyHint, listUnavailableHint } from './hints.ts';
