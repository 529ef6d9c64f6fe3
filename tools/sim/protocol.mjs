// Layout of the SharedArrayBuffer between a virtual board's worker and the host.
// Plain JavaScript so the worker (which runs without the TypeScript loader) can import it.

/** Int32 slots at the start of the buffer. */
export const SLOT = Object.freeze({
  /** 0 while a host call is pending; the host stores 1 and notifies when the reply is written. */
  reply: 0,
  /** Byte length of the reply JSON in the data area. */
  replyLength: 1,
  /** Host → worker requests: a bitmask of SIGNAL values, checked whenever the worker wakes. */
  signal: 2,
  /** Milliseconds the worker must stall at its next sleep or call (fault injection for the watchdog). */
  stallMs: 3,
  /** Notified to wake a sleeping worker early (signals). */
  wake: 5,
  /** The station's status as an index into WIFI_STATUS, kept current by the host. */
  wifiStatus: 6,
  /** Serial input ring (host → board UART): bytes written so far by the host… */
  inputHead: 7,
  /** …and consumed so far by the board; both count bytes forever, the ring index is % INPUT_BYTES. */
  inputTail: 8,
  /** Worker → host: counts the worker's check-ins (signals, watchdog); still = busy without checking. */
  beat: 9,
  /** Worker → host: board-time ms its watchdog had left at the last check-in; -1: no watchdog. */
  watchdogLeftMs: 10,
  /** Host → worker: when the host began and finished answering the pending call (ms since the pulse epoch; 0: not yet). */
  callStarted: 11,
  callEnded: 12,
});

/** Station states, in the order of their codes in SLOT.wifiStatus. */
export const WIFI_STATUS = Object.freeze(['IDLE', 'CONNECTING', 'GOT_IP', 'WRONG_PASSWORD', 'NO_AP_FOUND']);

/**
 * First of READY_SLOTS slots telling whether any socket whose id % READY_SLOTS is that slot has
 * something to read (data, end or error). A non-blocking recv on a socket whose slot is 0 answers
 * EAGAIN without a host round trip: idle boards poll umqtt's check_msg() 20 times a second.
 */
export const READY_BASE = 16;
export const READY_SLOTS = 16;

export const SIGNAL = Object.freeze({
  stop: 1,
  reset: 2,
});

export const SLOT_COUNT = READY_BASE + READY_SLOTS;
export const HEADER_BYTES = SLOT_COUNT * 4;
export const MAX_RECV_BYTES = 32 * 1024;
/** Largest reply: JSON around base64 of MAX_RECV_BYTES. */
export const DATA_BYTES = 48 * 1024;
/** The board's UART receive buffer (a real ESP32's is 256 bytes; raw-paste flow control keeps within it). */
export const INPUT_BYTES = 8 * 1024;
export const SAB_BYTES = HEADER_BYTES + DATA_BYTES + INPUT_BYTES;
