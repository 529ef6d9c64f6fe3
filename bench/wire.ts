// Counting what crosses a serial link at the board's end, so benches compare against the limit the
// bytes actually moved impose (both directions), not the size of the files.
import type { SerialFarEnd } from '../tools/serial/index.ts';

/** Bytes that crossed the link, counted at the board's end of it. */
export interface Wire {
  toBoard: number;
  fromBoard: number;
}

/** `inner` with every byte to and from the board counted in the returned `wire`. */
export function countedFarEnd(inner: SerialFarEnd): { farEnd: SerialFarEnd; wire: Wire } {
  const wire: Wire = { toBoard: 0, fromBoard: 0 };
  const farEnd: SerialFarEnd = {
    ...inner,
    connect: (emit) =>
      inner.connect((bytes) => {
        wire.fromBoard += bytes.length;
        emit(bytes);
      }),
    receive: (bytes) => {
      wire.toBoard += bytes.length;
      inner.receive(bytes);
    },
  };
  return { farEnd, wire };
}
