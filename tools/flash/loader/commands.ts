// ESP serial bootloader packets (protocols.md §2), for the virtual loader and for tests that
// speak to it by hand. All fields little-endian.
//   request:  00, op, size u16, checksum u32, data
//   response: 01, op, size u16, value u32, data (ending with the status bytes)

export const Op = {
  FLASH_BEGIN: 0x02,
  FLASH_DATA: 0x03,
  FLASH_END: 0x04,
  MEM_BEGIN: 0x05,
  MEM_END: 0x06,
  MEM_DATA: 0x07,
  SYNC: 0x08,
  WRITE_REG: 0x09,
  READ_REG: 0x0a,
  SPI_SET_PARAMS: 0x0b,
  SPI_ATTACH: 0x0d,
  /** ROM only (ESP32 family): 64 bytes per command; esptool's `read-flash --no-stub`. */
  READ_FLASH_SLOW: 0x0e,
  CHANGE_BAUDRATE: 0x0f,
  FLASH_DEFL_BEGIN: 0x10,
  FLASH_DEFL_DATA: 0x11,
  FLASH_DEFL_END: 0x12,
  SPI_FLASH_MD5: 0x13,
  GET_SECURITY_INFO: 0x14,
  // Stub only.
  ERASE_FLASH: 0xd0,
  ERASE_REGION: 0xd1,
  READ_FLASH: 0xd2,
  RUN_USER_CODE: 0xd3,
} as const;
export type OpName = keyof typeof Op;

const names = new Map<number, OpName>(Object.entries(Op).map(([name, op]) => [op, name as OpName]));
export function isKnownOp(op: number): boolean {
  return names.has(op);
}
export function opName(op: number): string {
  return names.get(op) ?? `0x${op.toString(16).padStart(2, '0')}`;
}

/** Error byte after a failed status, as the ROM sends it. */
export const RomError = {
  INVALID_MESSAGE: 0x05,
  FAILED_TO_ACT: 0x06,
  BAD_CRC: 0x07,
  FLASH_WRITE: 0x08,
  FLASH_READ: 0x09,
  READ_LENGTH: 0x0a,
  DEFLATE: 0x0b,
} as const;

/** Error byte after a failed status, as the flasher stub sends it. */
export const StubError = {
  BAD_DATA_LEN: 0xc0,
  BAD_DATA_CHECKSUM: 0xc1,
  BAD_BLOCKSIZE: 0xc2,
  INVALID_COMMAND: 0xc3,
  FAILED_SPI_OP: 0xc4,
  FAILED_SPI_UNLOCK: 0xc5,
  NOT_IN_FLASH_MODE: 0xc6,
  INFLATE_ERROR: 0xc7,
  NOT_ENOUGH_DATA: 0xc8,
  TOO_MUCH_DATA: 0xc9,
  CMD_NOT_IMPLEMENTED: 0xff,
} as const;

export const CHECKSUM_SEED = 0xef;
export const CHIP_DETECT_MAGIC_REG = 0x40001000;
/** The value the ROM puts in its SYNC replies (the stub puts 0: esptool-js takes 0 as "stub already running"). */
export const ROM_SYNC_VALUE = 0x20120707;
/** The stub's unprompted greeting once it runs, sent as its own SLIP packet. */
export const OHAI = Uint8Array.from([0x4f, 0x48, 0x41, 0x49]);
/** Bytes of the `len, seq, 0, 0` header in front of MEM_DATA / FLASH_DATA / FLASH_DEFL_DATA payloads. */
export const DATA_HEADER = 16;

/** SYNC's 36 bytes: 07 07 12 20 then 32 × 0x55. */
export function syncPayload(): Uint8Array {
  const data = new Uint8Array(36).fill(0x55);
  data.set([0x07, 0x07, 0x12, 0x20]);
  return data;
}

/** 0xEF XOR every byte: the checksum of the *_DATA commands (over the data after the 16-byte header). */
export function checksum(data: Uint8Array, seed = CHECKSUM_SEED): number {
  let state = seed;
  for (const byte of data) state ^= byte;
  return state;
}

export function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0, true);
  return out;
}

/** Little-endian u32 words, concatenated. */
export function words(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setUint32(i * 4, v >>> 0, true));
  return out;
}

export function readU32(data: Uint8Array, offset: number): number {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(offset, true);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A request packet (not yet SLIP-framed). */
export function encodeRequest(op: number, data: Uint8Array = new Uint8Array(0), chk = 0): Uint8Array {
  const head = new Uint8Array(8);
  const view = new DataView(head.buffer);
  head[0] = 0x00;
  head[1] = op;
  view.setUint16(2, data.length, true);
  view.setUint32(4, chk >>> 0, true);
  return concat(head, data);
}

/** The body of MEM_DATA / FLASH_DATA / FLASH_DEFL_DATA: len, seq, 0, 0, data. */
export function dataBody(seq: number, data: Uint8Array): Uint8Array {
  return concat(words(data.length, seq, 0, 0), data);
}

/** A complete *_DATA request with its checksum. */
export function encodeDataRequest(op: number, seq: number, data: Uint8Array): Uint8Array {
  return encodeRequest(op, dataBody(seq, data), checksum(data));
}

export interface Request {
  op: number;
  /** The size field; differs from data.length when bytes were lost. */
  size: number;
  checksum: number;
  data: Uint8Array;
}

/** Parses a request packet; undefined when it is not one (too short, or not direction 00). */
export function parseRequest(packet: Uint8Array): Request | undefined {
  if (packet.length < 8 || packet[0] !== 0x00) return undefined;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  return { op: packet[1]!, size: view.getUint16(2, true), checksum: view.getUint32(4, true), data: packet.subarray(8) };
}

/** A response packet (not yet SLIP-framed); `data` must already end with the status bytes. */
export function encodeResponse(op: number, value: number, data: Uint8Array): Uint8Array {
  const head = new Uint8Array(8);
  const view = new DataView(head.buffer);
  head[0] = 0x01;
  head[1] = op;
  view.setUint16(2, data.length, true);
  view.setUint32(4, value >>> 0, true);
  return concat(head, data);
}

export interface Response {
  op: number;
  value: number;
  /** Everything after the header, status bytes included. */
  data: Uint8Array;
}

export function parseResponse(packet: Uint8Array): Response | undefined {
  if (packet.length < 8 || packet[0] !== 0x01) return undefined;
  return { op: packet[1]!, value: readU32(packet, 4), data: packet.subarray(8) };
}

/** Splits a response's data into payload and status, given how many status bytes the sender uses. */
export function splitStatus(response: Response, statusLength: 2 | 4): { payload: Uint8Array; status: number; error: number } {
  const payload = response.data.subarray(0, response.data.length - statusLength);
  const status = response.data.subarray(response.data.length - statusLength);
  return { payload, status: status[0] ?? 0xff, error: status[1] ?? 0xff };
}
