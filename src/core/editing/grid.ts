/**
 * The editing tools work on any row-major 8-bit grid; the core mask codec's `Mask` has this shape,
 * so masks are edited in place without copies.
 */
export interface PixelGrid {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A half-open rectangle [x0, x1) x [y0, y1) in pixel coordinates. */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Restricts painting to pixels that currently hold `onlyValue` (one class, or the unlabeled value). */
export interface PaintOptions {
  value: number;
  onlyValue?: number;
}

export function clipRect(r: Rect, width: number, height: number): Rect | undefined {
  const x0 = Math.max(0, r.x0);
  const y0 = Math.max(0, r.y0);
  const x1 = Math.min(width, r.x1);
  const y1 = Math.min(height, r.y1);
  return x0 < x1 && y0 < y1 ? { x0, y0, x1, y1 } : undefined;
}

/** Grows a running bounding box (an empty box has x0 > x1). */
export function emptyRect(): Rect {
  return { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
}

export function includeRect(box: Rect, r: Rect): void {
  box.x0 = Math.min(box.x0, r.x0);
  box.y0 = Math.min(box.y0, r.y0);
  box.x1 = Math.max(box.x1, r.x1);
  box.y1 = Math.max(box.y1, r.y1);
}

export function isEmptyRect(r: Rect): boolean {
  return !(r.x0 < r.x1 && r.y0 < r.y1);
}
