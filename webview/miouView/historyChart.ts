/**
 * mIoU across model versions (one line per model, points in date order) on a canvas, and a
 * class-by-class comparison of two recorded versions.
 */
import { compareRecords, type HistoryRecord } from '../../src/core/metrics/history';
import { el, select } from '../shared/dom';
import { pct, themeColor } from './format';
import { fill } from '../shared/strings';
import { drawLineChart } from './lineChart';
import { strings } from './strings';

const SERIES = [
  '--vscode-charts-blue',
  '--vscode-charts-orange',
  '--vscode-charts-green',
  '--vscode-charts-purple',
  '--vscode-charts-red',
  '--vscode-charts-yellow',
];
const FALLBACK = ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'];

export function drawHistory(canvas: HTMLCanvasElement, records: readonly HistoryRecord[], width: number): void {
  const points = records.filter((r) => r.miou !== null);
  const lo = Math.max(0, Math.floor(Math.min(...points.map((r) => r.miou as number), 1) * 10) / 10 - 0.1);
  const models = [...new Set(points.map((r) => r.model))];
  const color = (m: number) => themeColor(SERIES[m % SERIES.length], FALLBACK[m % FALLBACK.length]);
  drawLineChart(canvas, {
    width,
    height: 120,
    // Points in date order, evenly spaced; a single one in the middle.
    x: points.length <= 1 ? { min: -1, max: 1 } : { min: 0, max: points.length - 1 },
    y: { min: lo, max: 1, ticks: [0, 1, 2, 3, 4].map((k) => lo + (k * (1 - lo)) / 4), format: (v) => `${Math.round(v * 100)}%` },
    series: models.map((model, m) => ({ color: color(m), points: points.flatMap((r, i) => (r.model === model ? [{ x: i, y: r.miou as number }] : [])) })),
    legend: models.map((model, m) => ({ text: model, color: color(m) })),
  });
  canvas.setAttribute('aria-label', fill(strings().history.chart, points.length, points.map((r) => `${r.model} ${pct(r.miou)}`).join(', ')));
}

const label = (r: HistoryRecord, i: number) => `${i + 1}. ${r.model} ${r.hash.slice(0, 7)} (${r.date.slice(0, 10)}) ${pct(r.miou)}`;

/** Two selects of recorded versions and their per-class IoU difference. */
export function comparePanel(records: readonly HistoryRecord[], chosen: [number, number], onChange: (c: [number, number]) => void): HTMLElement {
  const options: Array<[string, string]> = records.map((r, i) => [String(i), label(r, i)]);
  const [a, b] = chosen.map((i) => Math.min(Math.max(0, i), records.length - 1));
  const s = strings().history;
  const sa = select(s.baseVersion, options, String(a));
  const sb = select(s.comparedVersion, options, String(b));
  const change = () => onChange([Number(sa.value), Number(sb.value)]);
  sa.addEventListener('change', change);
  sb.addEventListener('change', change);
  const rows = compareRecords(records[a], records[b]).map((c) =>
    el(
      'tr',
      {},
      el('th', { scope: 'row' }, c.name),
      el('td', { class: 'num' }, pct(c.a)),
      el('td', { class: 'num' }, pct(c.b)),
      el(
        'td',
        { class: `num ${c.delta === null ? '' : c.delta >= 0 ? 'up' : 'down'}` },
        c.delta === null ? '–' : `${c.delta >= 0 ? '+' : ''}${(c.delta * 100).toFixed(1)}`,
      ),
    ),
  );
  const table = el(
    'table',
    { class: 'compare' },
    el('thead', {}, el('tr', {}, el('th', {}, strings().table.class), el('th', {}, s.base), el('th', {}, s.compared), el('th', {}, s.delta))),
    el('tbody', {}, ...rows),
  );
  return el('div', { class: 'compare-panel' }, el('div', { class: 'row' }, sa, sb), table);
}
