import { clipRect, type PixelGrid, type Rect } from '../../src/core/editing/grid';
import { Disagreement } from '../../src/core/metrics/disagreement';

/** Magenta: rare in masks' palettes and in photos. */
const COLOR = [255, 0, 200, 150] as const;

/**
 * Pixels where a model's prediction and the mask differ, as an image-sized canvas the renderer
 * draws over the mask while `visible`. Follows the mask as the person paints (only the repainted
 * rectangle is compared again), so `count` is always that of the mask on screen. Toggled with D.
 */
export class DisagreementLayer {
  canvas: HTMLCanvasElement | undefined;
  visible = false;
  model = '';
  private state: { disagreement: Disagreement; ctx: CanvasRenderingContext2D; rgba: ImageData } | undefined;

  get count(): number | undefined {
    return this.state?.disagreement.count;
  }

  set(model: string, prediction: Uint8Array, grid: PixelGrid, numClasses: number, ignoreIndex: number): void {
    const { width, height } = grid;
    const canvas = (this.canvas ??= document.createElement('canvas'));
    canvas.width = width;
    canvas.height = height;
    this.model = model;
    this.state = {
      disagreement: new Disagreement(prediction, width, height, numClasses, ignoreIndex),
      ctx: canvas.getContext('2d')!,
      rgba: new ImageData(width, height),
    };
    this.visible = true;
    this.update(grid);
  }

  /** Compares `rect` of the mask again (all of it when omitted) and repaints that part. */
  update(grid: PixelGrid, rect: Rect = { x0: 0, y0: 0, x1: grid.width, y1: grid.height }): void {
    const s = this.state;
    if (!s) return;
    s.disagreement.update(grid.data, rect);
    const r = clipRect(rect, grid.width, grid.height);
    if (!r) return;
    const { flags, width } = s.disagreement;
    const px = s.rgba.data;
    for (let y = r.y0; y < r.y1; y++) {
      for (let i = y * width + r.x0, o = i * 4; i < y * width + r.x1; i++, o += 4) {
        px[o] = COLOR[0];
        px[o + 1] = COLOR[1];
        px[o + 2] = COLOR[2];
        px[o + 3] = flags[i] ? COLOR[3] : 0;
      }
    }
    s.ctx.putImageData(s.rgba, 0, 0, r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0);
  }
}
