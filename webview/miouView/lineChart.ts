/**
 * A small line chart on a canvas, themed from VS Code's colours: horizontal grid lines with
 * y labels, optional x labels, one polyline (with dots) per series, an optional marked point and
 * a legend row. The model history and the training curves draw through it.
 */
import type { CurvePoint } from '../../src/core/miouProtocol';
import { fitCanvas, themeColor } from './format';

export interface ChartSeries {
  points: readonly CurvePoint[];
  color: string;
  /** Line width in CSS pixels (default 2). */
  width?: number;
  /** Dot radius at each point; 0 for none (default 3). */
  dot?: number;
  alpha?: number;
}

export interface Axis {
  min: number;
  max: number;
  /** Values that get a label (and, on the y axis, a grid line). */
  ticks: number[];
  format(v: number): string;
}

export interface LineChartOptions {
  width: number;
  height: number;
  x: Axis | { min: number; max: number };
  y: Axis;
  series: ChartSeries[];
  /** Circled, with its label beside it. */
  marker?: { point: CurvePoint; label: string; color: string };
  /** Bottom row, instead of x labels. */
  legend?: Array<{ text: string; color: string }>;
}

const PAD = { l: 34, r: 8, t: 8, b: 18 };

export function drawLineChart(canvas: HTMLCanvasElement, o: LineChartOptions): void {
  const { width, height } = o;
  const ctx = fitCanvas(canvas, width, height);
  const fg = themeColor('--vscode-foreground', '#ccc');
  ctx.font = `10px ${themeColor('--vscode-font-family', 'sans-serif')}`;
  ctx.textBaseline = 'middle';
  const span = (a: { min: number; max: number }) => a.max - a.min || 1;
  const x = (v: number) => PAD.l + ((v - o.x.min) / span(o.x)) * (width - PAD.l - PAD.r);
  const y = (v: number) => PAD.t + (1 - (v - o.y.min) / span(o.y)) * (height - PAD.t - PAD.b);
  ctx.strokeStyle = themeColor('--vscode-panel-border', 'rgba(128,128,128,0.35)');
  ctx.fillStyle = fg;
  ctx.lineWidth = 1;
  for (const v of o.y.ticks) {
    ctx.beginPath();
    ctx.moveTo(PAD.l, Math.round(y(v)) + 0.5);
    ctx.lineTo(width - PAD.r, Math.round(y(v)) + 0.5);
    ctx.stroke();
    ctx.fillText(o.y.format(v), 2, y(v));
  }
  if ('ticks' in o.x && !o.legend) {
    ctx.textAlign = 'center';
    for (const v of o.x.ticks) ctx.fillText(o.x.format(v), x(v), height - 6);
    ctx.textAlign = 'left';
  }
  for (const s of o.series) {
    ctx.globalAlpha = s.alpha ?? 1;
    ctx.strokeStyle = ctx.fillStyle = s.color;
    ctx.lineWidth = s.width ?? 2;
    ctx.beginPath();
    for (const p of s.points) ctx.lineTo(x(p.x), y(p.y));
    ctx.stroke();
    const r = s.dot ?? 3;
    if (r > 0) {
      for (const p of s.points) {
        ctx.beginPath();
        ctx.arc(x(p.x), y(p.y), r, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
  }
  ctx.globalAlpha = 1;
  ctx.lineWidth = 1;
  if (o.marker) {
    const { point, label, color } = o.marker;
    ctx.strokeStyle = ctx.fillStyle = color;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.arc(x(point.x), y(point.y), 6, 0, 2 * Math.PI);
    ctx.stroke();
    // Beside the point, on the side with room.
    const right = x(point.x) < width / 2;
    ctx.textAlign = right ? 'left' : 'right';
    ctx.fillText(label, x(point.x) + (right ? 9 : -9), Math.max(PAD.t + 4, y(point.y) - 9));
    ctx.textAlign = 'left';
    ctx.lineWidth = 1;
  }
  o.legend?.forEach((item, i) => {
    ctx.fillStyle = item.color;
    ctx.fillText(item.text, PAD.l + 4 + i * 70, height - 6);
  });
}

/** About `count` round steps from `min` to `max` (1, 2 or 5 times a power of ten). */
export function niceTicks(min: number, max: number, count: number): number[] {
  const raw = (max - min) / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}
