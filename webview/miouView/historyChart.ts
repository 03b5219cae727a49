/**
 * mIoU across model versions (one line per model, points in date order) on a canvas, and a
 * class-by-class comparison of two recorded versions.
 */
import { compareRecords, type HistoryRecord } from '../../src/core/metrics/history';
import { el, select } from '../maskEditor/dom';
import { fitCanvas, pct, themeColor } from './format';

const SERIES = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'];
const FALLBACK = ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'];

export function drawHistory(canvas: HTMLCanvasElement, records: readonly HistoryRecord[], width: number): void {
  const height = 120;
  const ctx = fitCanvas(canvas, width, height);
  const fg = themeColor('--vscode-foreground', '#ccc');
  const grid = themeColor('--vscode-panel-border', 'rgba(128,128,128,0.35)');
  const pad = { l: 34, r: 8, t: 8, b: 18 };
  const points = records.filter((r) => r.miou !== null);
  ctx.font = `10px ${themeColor('--vscode-font-family', 'sans-serif')}`;
  ctx.fillStyle = fg;
  ctx.strokeStyle = grid;
  ctx.textBaseline = 'middle';
  const lo = Math.max(0, Math.floor(Math.min(...points.map((r) => r.miou as number), 1) * 10) / 10 - 0.1);
  const y = (v: number) => pad.t + (1 - (v - lo) / (1 - lo)) * (height - pad.t - pad.b);
  for (let v = lo; v <= 1.0001; v += (1 - lo) / 4) {
    ctx.beginPath();
    ctx.moveTo(pad.l, Math.round(y(v)) + 0.5);
    ctx.lineTo(width - pad.r, Math.round(y(v)) + 0.5);
    ctx.stroke();
    ctx.fillText(`${Math.round(v * 100)}%`, 2, y(v));
  }
  const x = (i: number) => pad.l + (points.length <= 1 ? 0.5 : i / (points.length - 1)) * (width - pad.l - pad.r);
  const models = [...new Set(points.map((r) => r.model))];
  models.forEach((model, m) => {
    ctx.strokeStyle = ctx.fillStyle = themeColor(SERIES[m % SERIES.length], FALLBACK[m % FALLBACK.length]);
    ctx.lineWidth = 2;
    ctx.beginPath();
    points.forEach((r, i) => r.model === model && (ctx.lineTo(x(i), y(r.miou as number))));
    ctx.stroke();
    points.forEach((r, i) => {
      if (r.model !== model) return;
      ctx.beginPath();
      ctx.arc(x(i), y(r.miou as number), 3, 0, 2 * Math.PI);
      ctx.fill();
    });
    ctx.fillText(model, pad.l + 4 + m * 70, height - 6);
  });
  ctx.lineWidth = 1;
  canvas.setAttribute('aria-label', `mIoU of ${points.length} recorded model versions: ${points.map((r) => `${r.model} ${pct(r.miou)}`).join(', ')}`);
}

const label = (r: HistoryRecord, i: number) => `${i + 1}. ${r.model} ${r.hash.slice(0, 7)} (${r.date.slice(0, 10)}) ${pct(r.miou)}`;

/** Two selects of recorded versions and their per-class IoU difference. */
export function comparePanel(records: readonly HistoryRecord[], chosen: [number, number], onChange: (c: [number, number]) => void): HTMLElement {
  const options: Array<[string, string]> = records.map((r, i) => [String(i), label(r, i)]);
  const [a, b] = chosen.map((i) => Math.min(Math.max(0, i), records.length - 1));
  const sa = select('Base version', options, String(a));
  const sb = select('Compared version', options, String(b));
  const change = () => onChange([Number(sa.value), Number(sb.value)]);
  sa.addEventListener('change', change);
  sb.addEventListener('change', change);
  const rows = compareRecords(records[a], records[b]).map((c) =>
    el('tr', {}, el('th', { scope: 'row' }, c.name), el('td', { class: 'num' }, pct(c.a)), el('td', { class: 'num' }, pct(c.b)),
      el('td', { class: `num ${c.delta === null ? '' : c.delta >= 0 ? 'up' : 'down'}` }, c.delta === null ? '–' : `${c.delta >= 0 ? '+' : ''}${(c.delta * 100).toFixed(1)}`)));
  const table = el('table', { class: 'compare' }, el('thead', {}, el('tr', {}, el('th', {}, 'Class'), el('th', {}, 'Base'), el('th', {}, 'Compared'), el('th', {}, 'Δ pts'))), el('tbody', {}, ...rows));
  return el('div', { class: 'compare-panel' }, el('div', { class: 'row' }, sa, sb), table);
}
