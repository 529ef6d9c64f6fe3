// A virtual board as the far end of a serial port (a virtual binding port, a pty, RFC 2217): the
// whole device — ROM loader, flash, MicroPython app — behind ESP dev-board reset wiring (RTS → EN,
// DTR → IO0). See device/device.ts.
import type { SerialFarEnd } from '../serial/index.ts';
import type { VirtualBoard } from './board.ts';
import { boardDevice, type BoardDeviceOptions } from './device/device.ts';

export { boardDevice, type BoardDevice, type BoardDeviceOptions } from './device/device.ts';

/** A new view of `board`'s serial port; every view shares the board's one device. */
export function boardFarEnd(board: VirtualBoard, options: BoardDeviceOptions = {}): SerialFarEnd {
  return boardDevice(board, options).port();
}
