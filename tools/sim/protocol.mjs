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
  /** 1 while the virtual access point is in range, 0 while Wi-Fi is dropped. */
  wifiUp: 4,
  /** Notified to wake a sleeping worker early (signals). */
  wake: 5,
});

export const SIGNAL = Object.freeze({
  stop: 1,
  reset: 2,
  interrupt: 4,
});

export const SLOT_COUNT = 8;
export const HEADER_BYTES = SLOT_COUNT * 4;
/** Largest reply (JSON with base64 data): a recv never returns more than this allows. */
export const DATA_BYTES = 256 * 1024;
export const MAX_RECV_BYTES = 64 * 1024;
