// Time stamps at the start of each line of a stream that arrives in arbitrary chunks: a serial
// read can end mid-line ("4", then "2\r\n"), and a stamp per chunk would write "[t] 4[t] 2".

/** Returns a function that stamps one chunk, remembering across calls whether a line is open. */
export function lineStamper(stamp: () => string): (chunk: string) => string {
  let atLineStart = true;
  return (chunk) => {
    let out = '';
    for (const piece of chunk.replace(/\r/g, '').split(/(?<=\n)/)) {
      if (piece === '') continue;
      out += (atLineStart ? `[${stamp()}] ` : '') + piece;
      atLineStart = piece.endsWith('\n');
    }
    return out;
  };
}
