import type pc from 'picocolors';

/** A plain aligned text table; the header is bold when colours are on. */
export function table(headers: string[], rows: string[][], color: ReturnType<typeof pc.createColors>, align: ('left' | 'right')[] = []): string {
  // Colour codes take no room on the screen.
  // eslint-disable-next-line no-control-regex
  const width = (s: string): number => [...s.replace(/\x1b\[[0-9;]*m/g, '')].length;
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const cell = (text: string, i: number): string => {
    const pad = ' '.repeat((widths[i] ?? 0) - width(text));
    return align[i] === 'right' ? pad + text : text + pad;
  };
  const line = (cells: string[]): string => cells.map(cell).join('  ').trimEnd();
  return [color.bold(line(headers)), ...rows.map(line)].join('\n');
}
