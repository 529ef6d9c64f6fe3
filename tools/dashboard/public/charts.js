// Temperature charts with uPlot (served from its npm package, loaded as the global `uPlot`).
/* global uPlot, ResizeObserver */

const COLORS = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bc4c00', '#1b7c83', '#bf3989', '#4d2d00', '#6e7781', '#953800'];
export const colorOf = (i) => COLORS[i % COLORS.length];

/** A small line of one board's temperatures, no axes: the shape at a glance. */
export function sparkline(el, color) {
  let plot = null;
  return {
    set(points) {
      const data = [points.map((p) => p[0]), points.map((p) => p[1])];
      el.dataset.points = String(points.length);
      if (plot) return plot.setData(data);
      if (points.length === 0) return;
      plot = new uPlot({
        width: Math.max(80, el.clientWidth || 130),
        height: 36,
        cursor: { show: false },
        legend: { show: false },
        select: { show: false },
        axes: [{ show: false }, { show: false }],
        scales: { x: { time: true } },
        series: [{}, { stroke: color, width: 1.5, points: { show: false } }],
      }, data, el);
    },
  };
}

/** Every board's temperatures on one time axis (the x values are the union; gaps are spanned). */
export function classChart(el) {
  let plot = null;
  let ids = '';
  const build = (series, data) => {
    if (plot) plot.destroy();
    plot = new uPlot({
      width: Math.max(300, el.clientWidth - 4),
      height: 240,
      legend: { live: false },
      scales: { x: { time: true } },
      axes: [{}, { label: '°C', size: 50 }],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, spanGaps: true, points: { show: false } }))],
    }, data, el);
  };
  if (typeof ResizeObserver === 'function') {
    new ResizeObserver(() => plot && plot.setSize({ width: Math.max(300, el.clientWidth - 4), height: 240 })).observe(el);
  }
  return {
    /** series: [{id, label, color, points: [[t, °C]…]}] */
    set(series) {
      const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
      const index = new Map(xs.map((x, i) => [x, i]));
      const ys = series.map((s) => {
        const column = new Array(xs.length).fill(null);
        for (const [t, v] of s.points) column[index.get(t)] = v;
        return column;
      });
      const data = [xs, ...ys];
      el.dataset.points = String(series.reduce((n, s) => n + s.points.length, 0));
      const key = series.map((s) => `${s.id}\u0000${s.label}`).join('\u0001');
      if (plot && key === ids) return plot.setData(data);
      ids = key;
      build(series, data);
    },
  };
}
