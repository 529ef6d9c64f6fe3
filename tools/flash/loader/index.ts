// tools/flash/loader: a virtual ESP ROM loader, the far end of a virtual serial port that a real
// flasher (esptool-js through our Web-Serial adapter) can flash as if it were a dev board.
//
// Public API (stable; everything else in this folder is internal):
//
//   createVirtualLoader(options: VirtualLoaderOptions): VirtualLoader
//     options.chip        'ESP32' | 'ESP8266' | 'ESP32-S3' | 'ESP32-C3'
//     options.flashSize?  bytes, power of two (default 4 MiB)
//     options.mac?        'aa:bb:cc:dd:ee:ff' (default per chip, CHIPS[chip].defaultMac)
//     options.wiring?     'classic' | 'usb-jtag-serial' (default: classic for ESP32/ESP8266, usb-jtag-serial for S3/C3)
//     options.strictBaud? default true: bytes are lost while host and chip bauds differ (after the stub
//                         starts or CHANGE_BAUDRATE), so a host that does not reopen at the new speed fails
//     options.faults?     { dropByteEvery?, badChecksumReplyEvery?, timeoutOnCommand? } (see LoaderFaults)
//     options.onEvent?    (event: LoaderEvent) => void
//
//   VirtualLoader
//     farEnd: SerialFarEnd   createVirtualPort(path, loader.farEnd, { vendorId, productId }) or drive it directly
//     flash: Uint8Array      the flash chip, 0xFF-erased; the same array for the loader's lifetime
//     state                  'app' | 'rom' | 'stub' | 'held'   (starts in 'app': powered, running flash)
//     baud                   the chip's UART speed now
//     stats                  commands, byCommand, bytesReceived/Sent/Ignored/Dropped, errorReplies, resets, downloadResets
//     facts                  ChipFacts: magic, status-byte length, USB ids to report for the wiring, offsets…
//     on(listener) → off     events: reset, hold, command, error-reply, stub-started, baud, flash-begin,
//                            erase, write, flash-end, md5, read, app, fault
//     reset('download' | 'normal')  reset without the lines (tests)
//     dispose()              clears the strap-window timer
//
// Behaviour in brief:
// - DTR/RTS are decoded by EspResetDecoder (RTS → EN, DTR → IO0). A reset with IO0 low enters the ROM
//   loader and prints the ROM banner ("…boot:0x3 (DOWNLOAD_BOOT…)\r\nwaiting for download\r\n", which
//   esptool-js scans for); a normal reset prints the boot line and runs the "app" (input ignored).
// - ROM and stub speak SLIP request/response packets. Replies end with 2 status bytes (stub, ESP8266
//   ROM) or 4 (ESP32-family ROMs). The ROM answers SYNC 8 times, the stub once with value 0.
// - Opcodes the ROM does not know (stub-only ones, GET_SECURITY_INFO on ESP32/ESP8266, DEFL/MD5/
//   SET_PARAMS/CHANGE_BAUDRATE on ESP8266) get a status 1 / error 0x05 reply whose command byte is
//   0x00, which esptool-js reports as UnsupportedCommandError. The stub answers unknown ones 0xFF.
// - MEM_END with flag 0 and an entry inside loaded RAM "runs the stub": state 'stub', then "OHAI".
// - FLASH_(DEFL_)BEGIN erase the sectors covered; data is programmed as NOR flash (AND); compressed
//   data is zlib (what pako.deflate makes) and lands in flash before each block is acknowledged.
//   A block resent with the previous seq and the same bytes is acknowledged without programming again.
// - SPI_FLASH_MD5: ROM replies 32 hex ASCII chars, the stub 16 raw bytes. READ_FLASH streams
//   packets with the host's running-count acks, then the MD5.
// - FLASH_END 0 (reboot) soft-resets into the boot mode latched at the last reset; the ROM's
//   FLASH_END 1 and the stub's RUN_USER_CODE leave for the app.
// - READ_REG: the chip magic at 0x40001000, efuse words for esptool-js's description/features/MAC,
//   UART_CLKDIV for its crystal estimate, and the SPI user-command registers so RDID (flash id) reads
//   0xEF 0x40 log2(size), e.g. 0x1640EF for 4 MiB.
import { VirtualLoaderImpl } from './loader.ts';
import type { VirtualLoader, VirtualLoaderOptions } from './types.ts';

export type { LoaderEvent, LoaderFaults, LoaderState, LoaderStats, VirtualLoader, VirtualLoaderOptions } from './types.ts';
export { CHIP_NAMES, CHIPS, jedecId, parseMac, type ChipFacts, type ChipName } from './chips.ts';
export * from './commands.ts';
export { slipDecodeAll, slipEncode, SlipDecoder } from './slip.ts';

export function createVirtualLoader(options: VirtualLoaderOptions): VirtualLoader {
  return new VirtualLoaderImpl(options);
}
