// Hand-written SVG charts (no chart library): latency percentile spectra and values over time.
// Latency uses a "nines" x axis (50%, 90%, 99%, 99.9% equally spaced), so the tail gets as
// much room as the median, and switches the y axis to log scale when the tail is orders of
// magnitude above the median.
import { formatCompact } from '../format.ts';
import type { Chart, LatencySeries, TimeSeries } from '../scenario.ts';

const W = 760;
const H = 400;
const M = { left: 72, right: 24, top: 64, bottom: 52 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;
const COLORS = ['#1f6fb4', '#d9480f', '#2f9e44', '#862e9c', '#e8590c', '#495057'];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

/** Renders a chart as a standalone SVG document. */
export function renderChart(chart: Chart): string {
  return chart.kind === 'latency' ? latencyChart(chart.title, chart.unit, chart.series) : timelineChart(chart.title, chart.unit, chart.series);
}

interface Axis {
  /** Value → pixel offset within the plot. */
  map(v: number): number;
  /** Tick values with labels. */
  ticks: { v: number; label: string }[];
}

/** x position of a percentile on the nines scale; 100 (the maximum) sits a bit past the last finite point. */
function nines(p: number, lastFinite: number): number {
  return p >= 100 ? lastFinite + 0.4 : -Math.log10(1 - p / 100);
}

function latencyChart(title: string, unit: string, series: LatencySeries[]): string {
  const finite = series.flatMap((s) => s.points.filter(([p]) => p < 100).map(([p]) => nines(p, 0)));
  const lastFinite = Math.max(1, ...finite);
  const xMax = lastFinite + 0.4;
  const xAxis: Axis = {
    map: (x) => (x / xMax) * PW,
    ticks: [0, 50, 90, 99, 99.9, 99.99, 99.999].filter((p) => nines(p, 0) <= lastFinite + 1e-9).map((p) => ({ v: nines(p, 0), label: p === 0 ? 'min' : `${p}%` })).concat([{ v: xMax, label: 'max' }]),
  };
  const values = series.flatMap((s) => s.points.map(([, v]) => v)).filter((v) => Number.isFinite(v));
  const yAxis = valueAxis(values, true);
  const lines = series.map((s) => ({ label: `${s.label} (n=${s.count})`, points: s.points.map(([p, v]) => [nines(p, lastFinite), v, p] as [number, number, number]) }));
  return frame(title, `percentile`, unit, xAxis, yAxis, lines, (pt) => `${pt[2]}%: ${formatCompact(pt[1])} ${unit}`);
}

function timelineChart(title: string, unit: string, series: TimeSeries[]): string {
  const xs = series.flatMap((s) => s.points.map(([t]) => t));
  const xTicks = niceTicks(0, Math.max(1, ...xs));
  const xMax = xTicks[xTicks.length - 1];
  const xAxis: Axis = { map: (x) => (x / xMax) * PW, ticks: xTicks.map((v) => ({ v, label: formatCompact(v) })) };
  const yAxis = valueAxis(series.flatMap((s) => s.points.map(([, v]) => v)), false);
  const lines = series.map((s) => ({ label: s.label, points: s.points.map(([t, v]) => [t, v, t] as [number, number, number]) }));
  return frame(title, 'seconds', unit, xAxis, yAxis, lines, (pt) => `${pt[0].toFixed(1)} s: ${formatCompact(pt[1])} ${unit}`);
}

/** A y axis from zero (linear), or logarithmic when `allowLog` and the values span > 2 decades. */
function valueAxis(values: number[], allowLog: boolean): Axis {
  const finite = values.filter((v) => Number.isFinite(v));
  const max = Math.max(...finite, 0);
  const minPos = Math.min(...finite.filter((v) => v > 0), Infinity);
  if (allowLog && Number.isFinite(minPos) && max / minPos > 100) {
    // Ends on 1-2-5 steps around the data, so little of the plot is empty.
    const steps = (from: number, to: number): number[] => {
      const out: number[] = [];
      for (let d = Math.pow(10, Math.floor(Math.log10(from)) - 1); d <= to * 10; d *= 10) out.push(d, 2 * d, 5 * d);
      return out;
    };
    const all = steps(minPos, max);
    const lo = all.filter((v) => v <= minPos * 1.0001).at(-1)!;
    const hi = all.find((v) => v >= max * 0.9999)!;
    const span = Math.log10(hi) - Math.log10(lo);
    const ticks = all.filter((v) => v >= lo * 0.9999 && v <= hi * 1.0001).map((v) => ({ v, label: formatCompact(v) }));
    return { map: (v) => PH - ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / span) * PH, ticks };
  }
  const ticks = niceTicks(0, max > 0 ? max : 1);
  const top = ticks[ticks.length - 1];
  return { map: (v) => PH - (v / top) * PH, ticks: ticks.map((v) => ({ v, label: formatCompact(v) })) };
}

/** About five round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.floor(lo / step) * step; v < hi + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

type Point = [x: number, y: number, key: number];

function frame(title: string, xLabel: string, unit: string, x: Axis, y: Axis, lines: { label: string; points: Point[] }[], tip: (p: Point) => string): string {
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT} font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${M.left}" y="24" font-size="16" font-weight="600" fill="#212529">${esc(title)}</text>`);
  let lx = M.left;
  lines.forEach((l, i) => {
    out.push(`<rect x="${lx}" y="38" width="14" height="4" fill="${COLORS[i % COLORS.length]}"/><text x="${lx + 20}" y="44" fill="#343a40">${esc(l.label)}</text>`);
    // About 7 px per character at 12 px: no text measurement in a hand-written SVG.
    lx += 20 + l.label.length * 7 + 24;
  });
  out.push(`<g transform="translate(${M.left},${M.top})">`);
  for (const t of y.ticks) {
    const py = r(y.map(t.v));
    out.push(`<line x1="0" x2="${PW}" y1="${py}" y2="${py}" stroke="#e9ecef"/><text x="-8" y="${py + 4}" text-anchor="end" fill="#495057">${esc(t.label)}</text>`);
  }
  for (const t of x.ticks) {
    const px = r(x.map(t.v));
    out.push(`<line x1="${px}" x2="${px}" y1="0" y2="${PH}" stroke="#f1f3f5"/><text x="${px}" y="${PH + 18}" text-anchor="middle" fill="#495057">${esc(t.label)}</text>`);
  }
  out.push(`<line x1="0" x2="${PW}" y1="${PH}" y2="${PH}" stroke="#868e96"/><line x1="0" x2="0" y1="0" y2="${PH}" stroke="#868e96"/>`);
  out.push(`<text x="${PW / 2}" y="${PH + 40}" text-anchor="middle" fill="#495057">${esc(xLabel)}</text>`);
  out.push(`<text transform="translate(-56,${PH / 2}) rotate(-90)" text-anchor="middle" fill="#495057">${esc(unit)}</text>`);
  if (lines.every((l) => l.points.length === 0)) out.push(`<text x="${PW / 2}" y="${PH / 2}" text-anchor="middle" fill="#868e96">no data</text>`);
  lines.forEach((l, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = l.points.filter((p) => Number.isFinite(p[1])).map((p) => [r(x.map(p[0])), r(y.map(p[1])), p] as const);
    if (pts.length > 1) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round" points="${pts.map(([a, b]) => `${a},${b}`).join(' ')}"/>`);
    if (pts.length <= 60) for (const [a, b, p] of pts) out.push(`<circle cx="${a}" cy="${b}" r="2.5" fill="${color}"><title>${esc(tip(p))}</title></circle>`);
  });
  out.push('</g></svg>');
  return out.join('\n') + '\n';
}

function r(v: number): number {
  return Math.round(v * 10) / 10;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
