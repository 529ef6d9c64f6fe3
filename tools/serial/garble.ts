// What a UART makes of bytes sent at another baud rate: framing errors and wrong bytes, not
// silence. The receiver samples each frame at its own bit time, so it sees about
// rxBaud / txBaud as many frames as were sent, with unrelated values. Deterministic (tests repeat).

/** Bytes as received at `rxBaud` when sent at `txBaud`; unchanged when the rates match (±3 %). */
export function garble(bytes: Uint8Array, txBaud: number, rxBaud: number): Uint8Array {
  const ratio = rxBaud / txBaud;
  if (Math.abs(ratio - 1) <= 0.03 || bytes.length === 0) return bytes;
  const count = Math.max(1, Math.round(bytes.length * ratio));
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const source = bytes[Math.min(bytes.length - 1, Math.floor(i / ratio))]!;
    // Bits shifted by the wrong sampling point; never a clean copy of the sent byte.
    out[i] = ((source << (1 + (i % 3))) | (source >>> (7 - (i % 3)))) ^ 0x5a;
  }
  return out;
}
