// Is the board on this port the one the build is for? Asked over the raw REPL before deploy writes
// anything: the MicroPython port (esp32 / esp8266), the chip from os.uname().machine, and the Wi-Fi
// MAC when the project pins one (identity.mac), so a team cannot deploy another team's identity.
import { InputError } from '../errors.ts';
import type { ReplClient } from './client.ts';

export interface ExpectedBoard {
  device: string;
  /** The board profile's family: what sys.platform says on that port. */
  family: 'esp32' | 'esp8266';
  /** The board profile's chip (`ESP32-S3`). */
  chip: string;
  /** 12 lowercase hex digits, or null when the project does not pin the board. */
  mac: string | null;
}

export interface BoardIdentity {
  platform: string;
  /** Chip named by os.uname().machine (`ESP32S3`), or null when it names none. */
  chip: string | null;
  mac: string | null;
}

const PROBE = (withMac: boolean): string =>
  `import sys\ntry:\n    import os\n    _m = os.uname().machine\nexcept Exception:\n    _m = ''\n_a = ''\n` +
  (withMac ? `try:\n    import network, binascii\n    _a = binascii.hexlify(network.WLAN(network.STA_IF).config('mac')).decode()\nexcept Exception:\n    pass\n` : '') +
  `print(sys.platform)\nprint(_m)\nprint(_a)`;

const compact = (chip: string): string => chip.replace(/-/g, '').toUpperCase();

/** Reads the board's identity (the raw REPL must be entered) and refuses a board the build is not for. */
export async function checkBoardIdentity(repl: ReplClient, expected: ExpectedBoard): Promise<BoardIdentity> {
  const [platform = '', machine = '', mac = ''] = (await repl.run(PROBE(expected.mac !== null))).split(/\r?\n/).map((s) => s.trim());
  // "Generic ESP32S3 module with ESP32S3", "ESP module with ESP8266": the chip is the last word.
  const chip = /\bwith (ESP\w+)\s*$/i.exec(machine)?.[1]?.toUpperCase() ?? null;
  const identity: BoardIdentity = { platform, chip, mac: mac === '' ? null : mac.toLowerCase() };
  const rebuild = `pick the right --port (see \`mpy-iot ports\`) or --device; if the board is right, set "board" for ${expected.device} in the project and build again`;
  if (platform !== expected.family) {
    throw new InputError(`the board on this port runs MicroPython for ${platform || 'an unknown port'}, but the build of ${expected.device} is for ${expected.family} (${expected.chip}): not deployed`, [], { hint: rebuild });
  }
  if (chip !== null && compact(chip) !== compact(expected.chip)) {
    throw new InputError(`the board on this port is an ${chip}, but the build of ${expected.device} is for ${expected.chip}: not deployed`, [], { hint: rebuild });
  }
  if (expected.mac !== null && identity.mac !== expected.mac) {
    throw new InputError(`the board on this port has MAC ${identity.mac ?? '(unreadable)'}, but ${expected.device} is pinned to ${expected.mac} (identity.mac): this is another board, not deployed`, [], {
      hint: `plug in ${expected.device}'s own board, or pick its --device; if the board was replaced, update identity.mac`,
    });
  }
  return identity;
}
