/**
 * A Smart Select candidate as the editor previews it: its bounding rectangle, and its RGBA pixels
 * there in the class's colour, translucent inside and opaque on its outline (selected pixels with
 * an unselected 4-neighbour or on the image's border), so the edge shows on any mask underneath.
 */
import type { Rect } from './grid';

/** Alpha of the inside and of the outline. */
export const PREVIEW_ALPHA = { inside: 110, outline: 255 };

/** The smallest rectangle holding every selected pixel; undefined when none is. */
export function selectionBounds(selection: Uint8Array, width: number, height: number): Rect | undefined {
  let x0 = width;
  let y0 = height;
  let x1 = 0;
  let y1 = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let first = -1;
    let last = -1;
    for (let x = 0; x < width; x++) {
      if (selection[row + x]) {
        if (first < 0) first = x;
        last = x;
      }
    }
    if (first < 0) continue;
    x0 = Math.min(x0, first);
    x1 = Math.max(x1, last + 1);
    y0 = Math.min(y0, y);
    y1 = y + 1;
  }
  return x1 > x0 ? { x0, y0, x1, y1 } : undefined;
}

/** RGBA of `rect` (row-major, its own width) showing the selection in `color`. */
export function previewPixels(
  selection: Uint8Array,
  width: number,
  height: number,
  rect: Rect,
  color: readonly [number, number, number],
): Uint8ClampedArray<ArrayBuffer> {
  const w = rect.x1 - rect.x0;
  const out = new Uint8ClampedArray(w * (rect.y1 - rect.y0) * 4);
  const on = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && selection[y * width + x] === 1;
  for (let y = rect.y0; y < rect.y1; y++) {
    for (let x = rect.x0; x < rect.x1; x++) {
      if (!on(x, y)) continue;
      const o = ((y - rect.y0) * w + (x - rect.x0)) * 4;
      const edge = !on(x - 1, y) || !on(x + 1, y) || !on(x, y - 1) || !on(x, y + 1);
      out[o] = color[0];
      out[o + 1] = color[1];
      out[o + 2] = color[2];
      out[o + 3] = edge ? PREVIEW_ALPHA.outline : PREVIEW_ALPHA.inside;
    }
  }
  return out;
}
