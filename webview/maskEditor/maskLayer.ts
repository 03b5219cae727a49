import { paletteFor, type ClassDef } from '../../src/core/classes';
import { forEachRun } from '../../src/core/editing/rle';
import type { MaskDelta } from '../../src/core/editing/delta';
import type { PixelGrid, Rect } from '../../src/core/editing/grid';

/**
 * The mask at image resolution plus its RGBA rendering in class colours, kept in an image-sized
 * canvas so a stroke re-colours only its dirty rectangle. Background (0) is transparent.
 */
export class MaskLayer {
  readonly canvas: HTMLCanvasElement;
  readonly counts = new Float64Array(256);
  private readonly ctx: CanvasRenderingContext2D;
  private readonly rgba: ImageData;
  private readonly pixels: Uint32Array;
  private readonly lut = new Uint32Array(256);
  outline = false;

  constructor(
    readonly grid: PixelGrid,
    classes: readonly ClassDef[],
    ignoreIndex: number,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.width = grid.width;
    this.canvas.height = grid.height;
    this.ctx = this.canvas.getContext('2d')!;
    this.rgba = this.ctx.createImageData(grid.width, grid.height);
    this.pixels = new Uint32Array(this.rgba.data.buffer);
    const little = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
    paletteFor(classes, ignoreIndex).forEach(([r, g, b], v) => {
      this.lut[v] = v === 0 ? 0 : little ? ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0 : ((r << 24) | (g << 16) | (b << 8) | 255) >>> 0;
    });
    this.recount();
    this.update({ x0: 0, y0: 0, x1: grid.width, y1: grid.height });
  }

  /** Replaces all pixels (revert, reload) and redraws everything. */
  replace(data: Uint8Array): void {
    this.grid.data.set(data);
    this.recount();
    this.update({ x0: 0, y0: 0, x1: this.grid.width, y1: this.grid.height });
  }

  setOutline(outline: boolean): void {
    this.outline = outline;
    this.update({ x0: 0, y0: 0, x1: this.grid.width, y1: this.grid.height });
  }

  /** Moves the class counts by a delta applied in `direction`. */
  countDelta(delta: MaskDelta, direction: 'undo' | 'redo'): void {
    const sign = direction === 'redo' ? 1 : -1;
    forEachRun(delta.before, (v, _s, n) => (this.counts[v] -= sign * n));
    forEachRun(delta.after, (v, _s, n) => (this.counts[v] += sign * n));
  }

  /** Re-colours a rectangle (grown by one pixel in outline mode, whose edges depend on neighbours). */
  update(rect: Rect): Rect {
    const { width, height, data } = this.grid;
    const grow = this.outline ? 1 : 0;
    const x0 = Math.max(0, rect.x0 - grow);
    const y0 = Math.max(0, rect.y0 - grow);
    const x1 = Math.min(width, rect.x1 + grow);
    const y1 = Math.min(height, rect.y1 + grow);
    if (x0 >= x1 || y0 >= y1) return { x0, y0, x1, y1 };
    const { lut, pixels } = this;
    for (let y = y0; y < y1; y++) {
      const row = y * width;
      if (!this.outline) {
        for (let i = row + x0; i < row + x1; i++) pixels[i] = lut[data[i]];
        continue;
      }
      for (let x = x0; x < x1; x++) {
        const i = row + x;
        const v = data[i];
        const edge =
          (x > 0 && data[i - 1] !== v) || (x < width - 1 && data[i + 1] !== v) || (y > 0 && data[i - width] !== v) || (y < height - 1 && data[i + width] !== v);
        pixels[i] = edge ? lut[v] : 0;
      }
    }
    this.ctx.putImageData(this.rgba, 0, 0, x0, y0, x1 - x0, y1 - y0);
    return { x0, y0, x1, y1 };
  }

  private recount(): void {
    this.counts.fill(0);
    for (const v of this.grid.data) this.counts[v]++;
  }
}
