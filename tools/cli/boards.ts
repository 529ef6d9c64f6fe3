import { imageOffset, loadBoards } from '../boards/index.ts';
import { defineCommand } from './command.ts';
import { table } from './table.ts';

export const boardsCommand = defineCommand({
  command: 'boards',
  describe: 'List the board profiles (chip, flash offset, LED, temperature source, heap)',
  builder: (y) => y.example('$0 boards', 'Table of supported boards').example('$0 boards --json', 'Full profiles as JSON'),
  async run(_args, { out }) {
    const { boards } = loadBoards();
    if (out.json) {
      out.document({ ok: true, boards });
      return;
    }
    const temp = (s: string | null): string => (s === 'raw_temperature_f' ? 'raw_temperature (°F)' : s === 'mcu_temperature' ? 'mcu_temperature (°C)' : '—');
    out.line(
      table(
        ['id', 'chip', 'offset', 'LED', 'temperature', 'heap', '.mpy', 'aliases'],
        boards.map((b) => [
          b.id,
          b.chip,
          `0x${imageOffset(b).toString(16)}`,
          b.led.pin === null ? '—' : `${b.led.pin}${b.led.activeLow ? ' (low)' : ''}`,
          temp(b.temperature.source),
          `${Math.round(b.heapBytes / 1024)} KiB`,
          b.mpy.default ? `${b.mpy.arch} (default)` : b.mpy.arch,
          b.aliases.join(', '),
        ]),
        out.color,
      ),
    );
  },
});
