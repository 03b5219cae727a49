import type { Rect } from '../../src/core/editing/grid';
import { previewPixels, selectionBounds } from '../../src/core/editing/selectionPreview';

/**
 * The Smart Select candidate as an image-sized canvas the renderer draws over the mask while
 * `visible`. Only the candidate's bounding rectangle is written, so a small object on a 4096²
 * image costs what its rectangle costs.
 */
export class SelectionPreview {
  canvas: HTMLCanvasElement | undefined;
  visible = false;
  private shown: Rect | undefined;

  constructor(
    private readonly width: number,
    private readonly height: number,
  ) {}

  /** Shows `selection` (0/1, the image's size) in `color`, or nothing; returns the image rectangle to repaint. */
  show(selection: Uint8Array | undefined, color: readonly [number, number, number]): Rect | undefined {
    const { width, height } = this;
    const canvas = (this.canvas ??= Object.assign(document.createElement('canvas'), { width, height }));
    const ctx = canvas.getContext('2d')!;
    const before = this.shown;
    if (before) ctx.clearRect(before.x0, before.y0, before.x1 - before.x0, before.y1 - before.y0);
    const rect = selection && selectionBounds(selection, width, height);
    if (rect) ctx.putImageData(new ImageData(previewPixels(selection!, width, height, rect, color), rect.x1 - rect.x0, rect.y1 - rect.y0), rect.x0, rect.y0);
    this.shown = rect;
    this.visible = rect !== undefined;
    if (!before || !rect) return before ?? rect;
    return { x0: Math.min(before.x0, rect.x0), y0: Math.min(before.y0, rect.y0), x1: Math.max(before.x1, rect.x1), y1: Math.max(before.y1, rect.y1) };
  }
}
