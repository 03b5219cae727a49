/**
 * The "Training" section: for each run (the followed job, the selected model's card) a header
 * with its state, a train-loss chart (epoch means, per-step loss faint behind) and a val-mIoU
 * chart with the best epoch marked, stacked so they read in a narrow sidebar, and a one-line
 * summary that screen readers (and tests) can read.
 */
import type { CurvePoint, TrainingMessage, TrainingRun } from '../../src/core/miouProtocol';
import { el } from '../shared/dom';
import { pct, themeColor } from './format';
import { fill } from '../shared/strings';
import { drawLineChart, niceTicks } from './lineChart';
import { strings } from './strings';

const CHART_HEIGHT = 90;

const last = (points: readonly CurvePoint[]) => points[points.length - 1] as CurvePoint | undefined;

/** "val mIoU 65.3% at epoch 18 (best) · train loss 0.213 at epoch 20". */
export function runSummary(run: TrainingRun): string {
  const s = strings().training;
  const parts: string[] = [];
  const best = run.valMiou.find((p) => p.x === run.bestEpoch);
  if (best) parts.push(fill(s.best, pct(best.y), best.x));
  const lastMiou = last(run.valMiou);
  if (lastMiou && lastMiou !== best) parts.push(fill(s.last, pct(lastMiou.y), lastMiou.x));
  const loss = last(run.loss);
  if (loss) parts.push(fill(s.loss, loss.y.toFixed(3), loss.x));
  else if (last(run.stepLoss)) parts.push(fill(s.stepLoss, (last(run.stepLoss) as CurvePoint).y.toFixed(3)));
  if (parts.length === 0) parts.push(run.state === 'queued' ? s.waiting : s.noEpoch);
  return parts.join(' · ');
}

/** The epoch a running job is in (the last finished one between epochs). */
function currentEpoch(run: TrainingRun): number {
  return Math.max(1, last(run.valMiou)?.x ?? 0, Math.ceil(last(run.stepLoss)?.x ?? 0));
}

function epochAxis(run: TrainingRun) {
  const max = Math.max(1, run.epochs ?? 0, ...[run.loss, run.stepLoss, run.valMiou].map((c) => last(c)?.x ?? 0));
  const ticks = niceTicks(0, max, 4).filter((v) => Number.isInteger(v));
  return { min: 0, max, ticks, format: (v: number) => String(v) };
}

export class TrainingView {
  readonly element = el('div', { id: 'training' });
  private message?: TrainingMessage;
  private charts: Array<{ canvas: HTMLCanvasElement; draw(canvas: HTMLCanvasElement, width: number): void }> = [];

  /** Whether there is anything to show (else the section is left out). */
  get hasContent(): boolean {
    return !!this.message && (this.message.runs.length > 0 || !!this.message.note);
  }

  update(message: TrainingMessage): void {
    this.message = message;
    this.charts = [];
    const blocks = message.runs.map((run, i) => this.runBlock(run, i));
    const note = message.note ? [el('p', { class: 'hint', id: 'training-note' }, message.note)] : [];
    this.element.replaceChildren(...blocks, ...note);
  }

  private runBlock(run: TrainingRun, i: number): HTMLElement {
    const s = strings().training;
    const head = el(
      'div',
      { class: 'run-head' },
      el('span', { class: 'run-title' }, run.source === 'card' ? fill(s.modelCard, run.title) : run.title),
      el(
        'span',
        { class: `run-state ${run.state}` },
        run.epochs && run.state === 'running' ? fill(s.running, currentEpoch(run), run.epochs) : s.states[run.state],
      ),
    );
    const error = run.error && run.state === 'failed' ? [el('p', { class: 'run-error' }, run.error)] : [];
    const summary = el('p', { class: 'training-summary', id: `training-summary-${i}` }, runSummary(run));
    const canvases: HTMLElement[] = [];
    if (run.loss.length + run.stepLoss.length > 0) canvases.push(this.chart(s.trainLoss, run, i, 'loss', (c, w) => this.drawLoss(c, run, w)));
    if (run.valMiou.length > 0) canvases.push(this.chart(s.valMiou, run, i, 'miou', (c, w) => this.drawMiou(c, run, w)));
    return el('div', { class: `training-run ${run.source}`, 'data-state': run.state }, head, ...error, ...canvases, summary);
  }

  private chart(caption: string, run: TrainingRun, i: number, kind: string, draw: (canvas: HTMLCanvasElement, width: number) => void): HTMLElement {
    const canvas = el('canvas', { class: `training-chart ${kind}`, id: `training-${kind}-${i}`, role: 'img' });
    this.charts.push({ canvas, draw });
    return el('figure', { class: 'training-figure' }, el('figcaption', {}, caption), canvas);
  }

  private drawLoss(canvas: HTMLCanvasElement, run: TrainingRun, width: number): void {
    const all = [...run.loss, ...run.stepLoss].map((p) => p.y);
    const max = Math.max(...all, 1e-6);
    const ticks = niceTicks(0, max, 3);
    const top = Math.max(max, ticks[ticks.length - 1]);
    const color = themeColor('--vscode-charts-orange', '#d18616');
    drawLineChart(canvas, {
      width,
      height: CHART_HEIGHT,
      x: epochAxis(run),
      y: { min: 0, max: top, ticks, format: (v) => (top < 0.1 ? v.toExponential(0) : v.toFixed(top < 1 ? 2 : 1)) },
      series: [
        { points: run.stepLoss, color, width: 1, dot: 0, alpha: 0.45 },
        { points: run.loss, color, dot: run.loss.length > 40 ? 0 : 2.5 },
      ],
    });
    const l = last(run.loss) ?? last(run.stepLoss);
    const s = strings().training;
    const chart = run.stepLoss.length ? fill(s.lossChartSteps, run.loss.length, run.stepLoss.length) : fill(s.lossChart, run.loss.length);
    canvas.setAttribute('aria-label', l ? fill(s.lastLoss, chart, l.y.toFixed(3)) : chart);
  }

  private drawMiou(canvas: HTMLCanvasElement, run: TrainingRun, width: number): void {
    const values = run.valMiou.map((p) => p.y);
    const lo = Math.max(0, Math.floor(Math.min(...values) * 10) / 10 - 0.1);
    const hi = Math.min(1, Math.ceil(Math.max(...values) * 10) / 10 + 0.05);
    const best = run.valMiou.find((p) => p.x === run.bestEpoch);
    const green = themeColor('--vscode-charts-green', '#89d185');
    drawLineChart(canvas, {
      width,
      height: CHART_HEIGHT,
      x: epochAxis(run),
      y: { min: lo, max: hi, ticks: niceTicks(lo, hi, 4), format: (v) => `${Math.round(v * 100)}%` },
      series: [{ points: run.valMiou, color: themeColor('--vscode-charts-blue', '#3794ff'), dot: run.valMiou.length > 40 ? 0 : 2.5 }],
      ...(best ? { marker: { point: best, label: fill(strings().training.marker, pct(best.y), best.x), color: green } } : {}),
    });
    const s = strings().training;
    canvas.setAttribute('aria-label', best ? fill(s.miouChartBest, run.valMiou.length, pct(best.y), best.x) : fill(s.miouChart, run.valMiou.length));
  }

  /** Draws every chart at the section's width (call when it is attached and visible). */
  draw(): void {
    const width = Math.max(160, this.element.clientWidth || 300);
    for (const c of this.charts) c.draw(c.canvas, width);
  }
}
