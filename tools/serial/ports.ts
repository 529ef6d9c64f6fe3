// Port detection: what is plugged in, which USB-serial chip it is, which board profiles use it.
import type { PortInfo } from '@serialport/bindings-interface' with { 'resolution-mode': 'require' };
import { loadBoards, type BoardRegistry } from '../boards/index.ts';
import { DeviceError } from '../errors.ts';
import { listUnavailableHint, noPortsHints } from './hints.ts';
import { loadSerialPort } from './link.ts';

export { noPortsHints, permissionHint } from './hints.ts';

export interface PortSummary {
  path: string;
  /** Lower-case hex without 0x, e.g. `10c4`. */
  vendorId: string | undefined;
  productId: string | undefined;
  manufacturer: string | undefined;
  serialNumber: string | undefined;
  /** The USB-serial chip guessed from VID:PID, e.g. `CP210x`. */
  adapter?: string;
  /** Board profile ids whose `usb` list has this VID:PID (a guess: adapters are shared by many boards). */
  boards?: string[];
}

/** USB-serial chips seen on ESP dev boards, by `vid:pid`. */
export const knownAdapters: Readonly<Record<string, string>> = {
  '10c4:ea60': 'CP210x',
  '1a86:7523': 'CH340',
  '1a86:55d4': 'CH9102',
  '0403:6001': 'FTDI',
  '303a:1001': 'Espressif USB-Serial/JTAG',
};

/** Listing failed (no udev, driver trouble): the CLI prints `hints` under the message. */
export class PortListError extends DeviceError {
  constructor(
    message: string,
    readonly hints: string[],
    options: { cause?: unknown },
  ) {
    super(message, { ...options, hint: hints[0] });
  }
}

/** Anything with serialport's `list()`: the OS binding (default), VirtualBinding, a test double. */
export interface PortLister {
  list(): Promise<PortInfo[]>;
}

/**
 * Lists serial ports sorted by path, with adapter and board guesses. An empty list is not an
 * error: the caller shows `noPortsHints(process.platform)`.
 */
export async function listPorts(binding?: PortLister, boards: BoardRegistry = loadBoards()): Promise<PortSummary[]> {
  const lister = binding ?? (await loadSerialPort()).SerialPort.binding;
  let infos: PortInfo[];
  try {
    infos = await lister.list();
  } catch (cause) {
    const message = (cause as Error).message;
    const hints = /udevadm/.test(message) ? [listUnavailableHint(), ...noPortsHints()] : noPortsHints();
    throw new PortListError(`cannot list serial ports: ${message}`, hints, { cause });
  }
  return infos.map((info) => describePort(info, boards)).sort((a, b) => a.path.localeCompare(b.path));
}

/** Adds the adapter and board guesses to one `list()` entry. */
export function describePort(info: PortInfo, boards: BoardRegistry): PortSummary {
  // node-serialport reports hex strings whose case depends on the OS: compare lower-cased.
  const vendorId = info.vendorId?.toLowerCase();
  const productId = info.productId?.toLowerCase();
  const summary: PortSummary = { path: info.path, vendorId, productId, manufacturer: info.manufacturer, serialNumber: info.serialNumber };
  if (vendorId === undefined || productId === undefined) return summary;
  const key = `${vendorId}:${productId}`;
  const adapter = knownAdapters[key];
  if (adapter) summary.adapter = adapter;
  const matching = boards.boards.filter((b) => b.usb.some((u) => `${u.vid.toLowerCase()}:${u.pid.toLowerCase()}` === key)).map((b) => b.id);
  if (matching.length > 0) summary.boards = matching;
  return summary;
}
