// A virtual board as the far end of a virtual serial port: its UART bytes go to the host, the
// host's bytes to its REPL, and DTR/RTS act as ESP dev boards wire them (RTS → EN, DTR → IO0).
import { EspResetDecoder, type SerialFarEnd } from '../serial/index.ts';
import type { VirtualBoard } from './board.ts';

export function boardFarEnd(board: VirtualBoard): SerialFarEnd & { readonly downloadRequests: number } {
  const decoder = new EspResetDecoder({ wiring: board.board.resetStrategy });
  let emit: ((bytes: Uint8Array) => void) | null = null;
  const forward = (bytes: Uint8Array): void => emit?.(bytes);
  let timer: NodeJS.Timeout | null = null;
  let downloadRequests = 0;
  const handle = (events: ReturnType<EspResetDecoder['poll']>): void => {
    for (const event of events) {
      if (event.type !== 'reset') continue;
      // The ROM loader is not simulated here (issue 6): a download-mode reset is counted, then the
      // board boots normally, as a real one does when nobody talks to its loader.
      if (event.bootMode === 'download') downloadRequests += 1;
      board.hardReset();
    }
    if (timer) clearTimeout(timer);
    timer = null;
    const deadline = decoder.deadline;
    if (deadline !== undefined) timer = setTimeout(() => handle(decoder.poll(performance.now())), Math.max(0, deadline - performance.now()));
  };
  return {
    get downloadRequests() {
      return downloadRequests;
    },
    connect(send) {
      emit = send;
      board.on('uart', forward);
    },
    receive(bytes) {
      board.write(bytes);
    },
    signals(lines) {
      handle(decoder.update(lines, performance.now()));
    },
    disconnect() {
      board.off('uart', forward);
      emit = null;
    },
  };
}
