// The ESP firmware image header, as the ROM reads it: the one place that knows its magic byte and
// the chip ids of the ESP32 family's extended header (the flasher checks images with it; the
// virtual board decides what boots with it).

/** Byte 0 of every image the ROM will boot. */
export const IMAGE_MAGIC = 0xe9;

/** The extended header's chip id (bytes 12-13, little-endian) by chip; ESP8266 images have none. */
export const IMAGE_CHIP_IDS: Readonly<Record<string, number>> = { ESP32: 0, 'ESP32-S2': 2, 'ESP32-C3': 5, 'ESP32-S3': 9, 'ESP32-C2': 12, 'ESP32-C6': 13, 'ESP32-H2': 16 };

/** The chip id an image at `offset` of `bytes` says it is built for. */
export function imageChipId(bytes: Uint8Array, offset = 0): number {
  return bytes[offset + 12]! | (bytes[offset + 13]! << 8);
}

/** The chip name for an image's chip id, if it is one of the family's. */
export function chipOfImageId(id: number): string | undefined {
  return Object.entries(IMAGE_CHIP_IDS).find(([, known]) => known === id)?.[0];
}
