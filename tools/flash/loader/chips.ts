// Per-chip facts the virtual ROM loader needs, taken from esptool-js 0.7.0 (esploader.js,
// targets/<chip>.js) and protocols.md §2. Register values are chosen so that esptool-js's chip
// description, features, crystal and MAC read as a plausible production part.
import type { EspWiring } from '../../serial/espReset.ts';
import { CHIP_DETECT_MAGIC_REG, Op } from './commands.ts';

export type ChipName = 'ESP32' | 'ESP8266' | 'ESP32-S3' | 'ESP32-C3';
export const CHIP_NAMES: readonly ChipName[] = ['ESP32', 'ESP8266', 'ESP32-S3', 'ESP32-C3'];

/** The SPI0/SPI1 registers esptool-js's runSpiflashCommand drives (to read the JEDEC id). */
export interface SpiRegisters {
  cmd: number;
  usr: number;
  usr2: number;
  w0: number;
}

export interface ChipFacts {
  name: ChipName;
  /** READ_REG 0x40001000. */
  magic: number;
  /** GET_SECURITY_INFO chip_id; undefined when the ROM lacks the command (ESP8266, ESP32). */
  securityChipId: number | undefined;
  /** Status bytes ending every ROM reply (the stub always sends 2). */
  romStatusLength: 2 | 4;
  /** Words the ROM expects in FLASH_BEGIN / FLASH_DEFL_BEGIN: S2/S3/C3/C2 take a 5th (encrypt flag). */
  romBeginWords: 4 | 5;
  /** Opcodes the ROM does not implement (answered as an invalid message). */
  romUnsupported: ReadonlySet<number>;
  /** Reset wiring of a typical dev board: a USB-UART bridge, or the chip's own USB-Serial/JTAG. */
  wiring: EspWiring;
  /** USB ids a host sees for that wiring (Espressif USB-Serial/JTAG), for Web-Serial getInfo(). */
  usb: { vendorId: number; productId: number } | undefined;
  /** Where the second-stage bootloader (or the MicroPython image) starts in flash. */
  bootloaderOffset: number;
  crystalMHz: number;
  /** UART clock ÷ baud is what UART_CLKDIV holds; esptool-js multiplies it back by the baud. */
  uartClkDiv: { reg: number; clockHz: number } | undefined;
  spi: SpiRegisters;
  defaultMac: string;
  /** Fixed registers (efuses, magic, version words) for a MAC. */
  registers(mac: Uint8Array): Map<number, number>;
  /** What the ROM prints after a reset, before it listens (download) or boots flash (normal). */
  banner(bootMode: 'download' | 'normal'): string;
}

const common = (): Set<number> => new Set<number>([Op.ERASE_FLASH, Op.ERASE_REGION, Op.READ_FLASH, Op.RUN_USER_CODE]);
const spiAt = (base: number, usr: number, usr2: number, w0: number): SpiRegisters => ({ cmd: base, usr: base + usr, usr2: base + usr2, w0: base + w0 });
/** MAC words as ESP32-family efuses hold them: low word bytes 2..5, high word bytes 0..1. */
const macWords = (mac: Uint8Array): [number, number] => [
  ((mac[2]! << 24) | (mac[3]! << 16) | (mac[4]! << 8) | mac[5]!) >>> 0,
  (mac[0]! << 8) | mac[1]!,
];

const ESP32: ChipFacts = {
  name: 'ESP32',
  magic: 0x00f01d83,
  securityChipId: undefined,
  romStatusLength: 4,
  romBeginWords: 4,
  romUnsupported: new Set([...common(), Op.GET_SECURITY_INFO]),
  wiring: 'classic',
  usb: undefined,
  bootloaderOffset: 0x1000,
  crystalMHz: 40,
  uartClkDiv: { reg: 0x3ff40014, clockHz: 40_000_000 },
  spi: spiAt(0x3ff42000, 0x1c, 0x24, 0x80),
  defaultMac: '24:0a:c4:00:00:01',
  registers(mac) {
    const [mac0, mac1] = macWords(mac);
    const efuse = 0x3ff5a000;
    return new Map([
      [CHIP_DETECT_MAGIC_REG, this.magic],
      [efuse + 4 * 1, mac0],
      [efuse + 4 * 2, mac1],
      // word3: package 1 (ESP32-D0WD) in bits 9..11, CHIP_VER_REV1 (bit 15); dual core, BT enabled.
      [efuse + 4 * 3, (1 << 9) | (1 << 15)],
      // word5: CHIP_VER_REV2 (bit 20); with APB_CTRL_DATE bit 31 that reads as revision 3 (ESP32-D0WD-V3).
      [efuse + 4 * 5, 1 << 20],
      [0x3ff66000 + 0x7c, 0x96042000],
    ]);
  },
  banner: (mode) =>
    mode === 'download'
      ? 'ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n'
      : 'ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n',
};

const ESP8266: ChipFacts = {
  name: 'ESP8266',
  magic: 0xfff0c101,
  securityChipId: undefined,
  romStatusLength: 2,
  romBeginWords: 4,
  romUnsupported: new Set([
    ...common(),
    Op.GET_SECURITY_INFO,
    Op.FLASH_DEFL_BEGIN,
    Op.FLASH_DEFL_DATA,
    Op.FLASH_DEFL_END,
    Op.SPI_FLASH_MD5,
    Op.SPI_SET_PARAMS,
    Op.CHANGE_BAUDRATE,
    Op.READ_FLASH_SLOW,
  ]),
  wiring: 'classic',
  usb: undefined,
  bootloaderOffset: 0x0,
  crystalMHz: 26,
  // The UART runs from 2 × the 26 MHz crystal; esptool-js divides by XTAL_CLK_DIVIDER = 2.
  uartClkDiv: { reg: 0x60000014, clockHz: 52_000_000 },
  spi: spiAt(0x60000200, 0x1c, 0x24, 0x40),
  defaultMac: '18:fe:34:00:00:01',
  registers(mac) {
    const efuse = 0x3ff00050;
    return new Map([
      [CHIP_DETECT_MAGIC_REG, this.magic],
      // efuse0 bits 24..31: MAC byte 5 (bit 4 clear: not an ESP8285).
      [efuse + 4 * 0, (mac[5]! << 24) >>> 0],
      // efuse1: bytes 3 and 4; bits 16..23 (OUI selector) left 0.
      [efuse + 4 * 1, (mac[3]! << 8) | mac[4]!],
      // efuse3: the OUI itself (esptool-js prefers it when non-zero).
      [efuse + 4 * 3, (mac[0]! << 16) | (mac[1]! << 8) | mac[2]!],
    ]);
  },
  // The ROM prints at 74880 baud (26 MHz crystal); a host at 115200 sees noise, this is the text.
  banner: (mode) => `\r\n ets Jan  8 2013,rst cause:2, boot mode:(${mode === 'download' ? '1,7' : '3,6'})\r\n\r\n`,
};

/** S3 and C3 share the efuse layout esptool-js reads (BLOCK1 words 3..5 after the MAC). */
function esp32Modern(name: 'ESP32-S3' | 'ESP32-C3'): ChipFacts {
  const s3 = name === 'ESP32-S3';
  const efuse = s3 ? 0x60007000 : 0x60008800;
  const rom = s3 ? 'ESP-ROM:esp32s3-20210327\r\nBuild:Mar 27 2021\r\n' : 'ESP-ROM:esp32c3-api1-20210207\r\nBuild:Feb  7 2021\r\n';
  return {
    name,
    // C3 has four magic values (one per ECO); 0x1B31506F is ECO3 (v0.3/v0.4).
    magic: s3 ? 0x00000009 : 0x1b31506f,
    securityChipId: s3 ? 9 : 5,
    romStatusLength: 4,
    romBeginWords: 5,
    romUnsupported: common(),
    wiring: 'usb-jtag-serial',
    usb: { vendorId: 0x303a, productId: 0x1001 },
    bootloaderOffset: 0x0,
    crystalMHz: 40,
    uartClkDiv: undefined, // esptool-js answers 40 MHz for both without reading a register
    spi: spiAt(0x60002000, 0x18, 0x20, 0x58),
    defaultMac: s3 ? '7c:df:a1:00:00:01' : '34:85:18:00:00:01',
    registers(mac) {
      const [mac0, mac1] = macWords(mac);
      const block1 = efuse + 0x44;
      return new Map([
        [CHIP_DETECT_MAGIC_REG, this.magic],
        [block1, mac0],
        [block1 + 4, mac1],
        // BLOCK1 word3: package 0 (QFN56 / QFN32), minor revision in bits 18..20 (S3 v0.2, C3 v0.4).
        [block1 + 4 * 3, (s3 ? 2 : 4) << 18],
        [block1 + 4 * 5, 0], // major revision 0
      ]);
    },
    banner: (mode) =>
      mode === 'download'
        ? `${rom}rst:0x15 (USB_UART_CHIP_RESET),boot:${s3 ? '0x0 (DOWNLOAD(USB/UART0))' : '0x4 (DOWNLOAD(USB/UART0/1))'}\r\nwaiting for download\r\n`
        : `${rom}rst:0x15 (USB_UART_CHIP_RESET),boot:${s3 ? '0x8' : '0xc'} (SPI_FAST_FLASH_BOOT)\r\n`,
  };
}

export const CHIPS: Readonly<Record<ChipName, ChipFacts>> = {
  ESP32,
  ESP8266,
  'ESP32-S3': esp32Modern('ESP32-S3'),
  'ESP32-C3': esp32Modern('ESP32-C3'),
};

/** "aa:bb:cc:dd:ee:ff" (or with '-') → 6 bytes. */
export function parseMac(mac: string): Uint8Array {
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) throw new Error(`invalid MAC address '${mac}' (expected aa:bb:cc:dd:ee:ff)`);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

/** JEDEC id as SPI W0 holds it after RDID (0x9F): manufacturer | type << 8 | capacity << 16 (Winbond W25Q). */
export function jedecId(flashSize: number): number {
  const capacity = Math.round(Math.log2(flashSize));
  return ((capacity << 16) | (0x40 << 8) | 0xef) >>> 0;
}

/** GET_SECURITY_INFO's 20 bytes: flags, flash_crypt_cnt, 7 key purposes, chip_id, api_version. */
export function securityInfo(chipId: number): Uint8Array {
  const out = new Uint8Array(20);
  new DataView(out.buffer).setUint32(12, chipId, true);
  return out;
}
