// Mirrors boards/board.schema.json; the schema is the source of truth and validates every file.
export interface BoardProfile {
  id: string;
  name: string;
  chip: 'ESP32' | 'ESP8266' | 'ESP32-S2' | 'ESP32-S3' | 'ESP32-C3';
  family: 'esp32' | 'esp8266';
  aliases: string[];
  flash: { imageOffset: string };
  baud: { default: number; max: number };
  led: { pin: number | null; activeLow: boolean };
  temperature: { source: 'raw_temperature_f' | 'mcu_temperature' | null };
  heapBytes: number;
  maxPayloadBytes: number;
  mpy: { arch: 'xtensa' | 'xtensawin' | 'rv32imc'; default: boolean };
  usb: { vid: string; pid: string; adapter: string }[];
  resetStrategy: 'classic' | 'usb-jtag-serial';
  tls: { library: 'mbedtls' | 'axtls'; formats: ('pem' | 'der')[]; notes: string };
  watchdog: { configurableTimeout: boolean };
}
