import type { SerialLink } from '../serial/index.ts';
import type { ReplTransport } from './client.ts';

/** A serial link as the REPL client's byte pipe. */
export function linkTransport(link: SerialLink): ReplTransport {
  return {
    write: (bytes) => link.write(bytes),
    subscribe: (listener) => {
      link.on('data', listener);
      return () => link.off('data', listener);
    },
  };
}
