import { listPorts, noPortsHints, PortListError } from '../serial/index.ts';
import { defineCommand } from './command.ts';
import { table } from './table.ts';

export const portsCommand = defineCommand({
  command: 'ports',
  describe: 'List serial ports, with the USB adapter and the board they probably are',
  builder: (y) => y.example('$0 ports', 'Which port is the board on?').example('$0 ports --json', 'The same as JSON'),
  async run(_args, { io, out }) {
    let ports;
    try {
      ports = await listPorts(io.serialBinding);
    } catch (error) {
      if (!(error instanceof PortListError)) throw error;
      if (out.json) out.document({ ok: false, ports: [], error: error.message, hints: error.hints });
      else {
        out.note(out.color.yellow(error.message));
        for (const hint of error.hints) out.note(`  - ${hint}`);
      }
      return 3;
    }
    if (out.json) {
      out.document({ ok: true, ports, ...(ports.length === 0 ? { hints: noPortsHints() } : {}) });
      return;
    }
    if (ports.length === 0) {
      out.line('no serial ports found');
      for (const hint of noPortsHints()) out.line(`  - ${hint}`);
      return;
    }
    out.line(
      table(
        ['port', 'VID:PID', 'adapter', 'boards', 'manufacturer', 'serial'],
        ports.map((p) => [p.path, p.vendorId && p.productId ? `${p.vendorId}:${p.productId}` : '—', p.adapter ?? '?', p.boards?.join(', ') || '—', p.manufacturer ?? '', p.serialNumber ?? '']),
        out.color,
      ),
    );
  },
});
