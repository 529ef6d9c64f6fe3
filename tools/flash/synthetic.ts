// A firmware-like image for tests, benchmarks and demos: an ESP image header, then 4 KiB blocks
// of random bytes (machine code compresses poorly), text-like blocks (strings, tables) and 0xFF
// padding, in proportions that deflate about as well as a MicroPython build (to ~65 %).
// Deterministic for a given seed, so failures reproduce.

/** `imageChipId`: the extended header's chip id (ESP32 0, S2 2, C3 5, S3 9), which flashBoard checks. */
export function syntheticFirmware(size: number, seed = 1, imageChipId = 0): Uint8Array {
  const image = new Uint8Array(size);
  let state = seed >>> 0 || 1;
  const next = (): number => {
    // xorshift32
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  const words = new TextEncoder().encode('machine network socket mqtt publish subscribe wifi connect timeout esp32 esp8266 gc collect utime ticks_ms ujson dumps loads ');
  for (let block = 0; block * 4096 < size; block++) {
    const start = block * 4096;
    const end = Math.min(size, start + 4096);
    const kind = next() % 20;
    if (kind < 12) for (let i = start; i < end; i++) image[i] = next() & 0xff;
    else if (kind < 17) for (let i = start, w = next() % words.length; i < end; i++, w = (w + 1 + (next() % 8 === 0 ? next() % 16 : 0)) % words.length) image[i] = words[w]!;
    else image.fill(0xff, start, end);
  }
  // ESP image header: magic, segment count, flash mode (dio), size/freq (4MB, 40m); chip id at 12.
  const header = [0xe9, 0x03, 0x02, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, imageChipId & 0xff, imageChipId >> 8];
  image.set(header.slice(0, size));
  return image;
}
