/**
 * The confusion matrix as a row-normalised heatmap on a canvas (rows: label, columns:
 * prediction, the last column: predicted values that are no class). Hovering a cell shows its
 * count and share of the row.
 */
import type { ClassDef } from '../../src/core/classes';
import { el } from '../shared/dom';
import { count, fitCanvas, themeColor } from './format';
import { fill } from '../shared/strings';
import { strings } from './strings';

export interface MatrixData {
  numClasses: number;
  counts: number[];
}

export class Heatmap {
  readonly element: HTMLElement;
  readonly canvas = el('canvas', { id: 'heatmap', role: 'img' });
  private readonly tip = el('div', { id: 'heatmap-tip', role: 'status', 'aria-live': 'polite' });
  private layout = { left: 0, top: 0, cell: 0 };
  private data?: { matrix: MatrixData; names: Map<number, string>; rows: number[] };

  constructor() {
    this.element = el('div', { class: 'heatmap' }, this.canvas, this.tip);
    this.canvas.addEventListener('mousemove', (e) => this.hover(e.offsetX, e.offsetY));
    this.canvas.addEventListener('mouseleave', () => (this.tip.textContent = strings().heatmap.hover));
  }

  update(matrix: MatrixData, classes: readonly ClassDef[]): void {
    const c = matrix.numClasses;
    const rows = Array.from({ length: c }, (_, g) => matrix.counts.slice(g * (c + 1), (g + 1) * (c + 1)).reduce((a, b) => a + b, 0));
    this.data = { matrix, names: new Map(classes.map((d) => [d.id, d.name])), rows };
    this.canvas.setAttribute('aria-label', fill(strings().heatmap.chart, c));
    // Built before the host's strings arrive: the hint comes with the first matrix.
    if (!this.tip.textContent) this.tip.textContent = strings().heatmap.hover;
    this.draw();
  }

  /** Redraws at the current width (called on resize too). */
  draw(): void {
    if (!this.data) return;
    const { matrix, rows } = this.data;
    const c = matrix.numClasses;
    const width = Math.max(120, this.element.clientWidth || 300);
    const label = 22;
    const cell = Math.max(4, Math.min(28, Math.floor((width - label - 4) / (c + 1))));
    const ctx = fitCanvas(this.canvas, label + cell * (c + 1) + 4, label + cell * c + 4);
    this.layout = { left: label, top: label, cell };
    const fg = themeColor('--vscode-foreground', '#ccc');
    const heat = themeColor('--vscode-charts-blue', '#3794ff');
    const grid = themeColor('--vscode-panel-border', 'rgba(128,128,128,0.35)');
    ctx.font = `${Math.min(11, Math.max(8, cell - 4))}px ${themeColor('--vscode-font-family', 'sans-serif')}`;
    ctx.fillStyle = fg;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    const every = Math.ceil(12 / cell);
    for (let i = 0; i <= c; i++) {
      if (i % every === 0 || i === c) ctx.fillText(i === c ? '∅' : String(i), label + (i + 0.5) * cell, label / 2);
      if (i < c && i % every === 0) ctx.fillText(String(i), label / 2, label + (i + 0.5) * cell);
    }
    for (let g = 0; g < c; g++) {
      for (let p = 0; p <= c; p++) {
        const share = rows[g] > 0 ? matrix.counts[g * (c + 1) + p] / rows[g] : 0;
        ctx.globalAlpha = share === 0 ? 1 : 0.12 + 0.88 * share;
        ctx.fillStyle = share === 0 ? 'transparent' : heat;
        ctx.fillRect(label + p * cell, label + g * cell, cell, cell);
      }
    }
    ctx.globalAlpha = 1;
    ctx.strokeStyle = grid;
    ctx.strokeRect(label + 0.5, label + 0.5, cell * (c + 1), cell * c);
    ctx.strokeStyle = fg;
    for (let i = 0; i < c; i++) ctx.strokeRect(label + i * cell + 0.5, label + i * cell + 0.5, cell - 1, cell - 1);
  }

  private hover(x: number, y: number): void {
    if (!this.data) return;
    const { left, top, cell } = this.layout;
    const { matrix, names, rows } = this.data;
    const c = matrix.numClasses;
    const p = Math.floor((x - left) / cell);
    const g = Math.floor((y - top) / cell);
    if (p < 0 || g < 0 || p > c || g >= c) return;
    const n = matrix.counts[g * (c + 1) + p];
    const name = (id: number) => names.get(id) ?? `class_${id}`;
    const share = rows[g] > 0 ? ((100 * n) / rows[g]).toFixed(1) : '0';
    const s = strings().heatmap;
    this.tip.textContent = fill(s.tip, name(g), p === c ? s.noClass : name(p), count(n), share);
    this.tip.title = fill(s.pixels, n);
  }
}
