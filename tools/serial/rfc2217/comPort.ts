// RFC 2217 COM-PORT-OPTION (Telnet option 44) commands, client → server; the server answers
// each with the same command + 100 carrying the value now in force.

export const ComPort = {
  SET_BAUDRATE: 1,
  SET_DATASIZE: 2,
  SET_PARITY: 3,
  SET_STOPSIZE: 4,
  SET_CONTROL: 5,
  NOTIFY_LINESTATE: 6,
  NOTIFY_MODEMSTATE: 7,
  FLOWCONTROL_SUSPEND: 8,
  FLOWCONTROL_RESUME: 9,
  SET_LINESTATE_MASK: 10,
  SET_MODEMSTATE_MASK: 11,
  PURGE_DATA: 12,
} as const;
export const SERVER_REPLY_OFFSET = 100;

/** SET_CONTROL values (RFC 2217 §3). */
export const Control = {
  REQ_FLOW: 0,
  FLOW_NONE: 1,
  FLOW_XONXOFF: 2,
  FLOW_HARDWARE: 3,
  REQ_BREAK: 4,
  BREAK_ON: 5,
  BREAK_OFF: 6,
  REQ_DTR: 7,
  DTR_ON: 8,
  DTR_OFF: 9,
  REQ_RTS: 10,
  RTS_ON: 11,
  RTS_OFF: 12,
} as const;

/** PURGE_DATA values: the server's buffer of device → client data, of client → device data, or both. */
export const Purge = { RECEIVE: 1, TRANSMIT: 2, BOTH: 3 } as const;

export const u32be = (n: number): Uint8Array => Uint8Array.from([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
export const readU32be = (b: Uint8Array): number => (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0;
