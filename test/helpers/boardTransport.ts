import type { ReplTransport } from '../../tools/repl/client.ts';
import type { VirtualBoard } from '../../tools/sim/board.ts';

/** A virtual board's serial port as a REPL transport (without the serialport stack). */
export function boardTransport(board: VirtualBoard): ReplTransport {
  return {
    write: (bytes) => board.write(bytes),
    subscribe: (listener) => {
      board.on('uart', listener);
      return () => board.off('uart', listener);
    },
  };
}
