import type { PaintOptions, PixelGrid } from './grid';
import type { ChangeTracker } from './tracker';

export type BrushShape = 'round' | 'square';

export interface Brush {
  shape: BrushShape;
  /** Diameter in pixels, >= 1. */
  size: number;
}

/** A stamp as one [left, right] span (inclusive offsets from the stamp's top-left) per row. */
interface Stamp {
  size: number;
  spans: Array<[number, number]>;
}

const stampCache = new Map<string, Stamp>();

/** Round stamps include pixels whose centres lie within size/2 - 1/4 of the centre (size 3 is a plus). */
function stampFor(brush: Brush): Stamp {
  const size = Math.max(1, Math.round(brush.size));
  const key = `${brush.shape}:${size}`;
  let stamp = stampCache.get(key);
  if (!stamp) {
    const c = (size - 1) / 2;
    const r2 = (size / 2 - 0.25) ** 2;
    const spans: Array<[number, number]> = [];
    for (let j = 0; j < size; j++) {
      if (brush.shape === 'square') {
        spans.push([0, size - 1]);
        continue;
      }
      const dy2 = (j - c) ** 2;
      const half = Math.sqrt(Math.max(0, r2 - dy2));
      const left = Math.ceil(c - half);
      spans.push(r2 - dy2 >= 0 && left <= size - 1 - left ? [left, size - 1 - left] : [1, 0]);
    }
    stamp = { size, spans };
    stampCache.set(key, stamp);
  }
  return stamp;
}

/** Paints one brush stamp centred on pixel (cx, cy), clipped at the mask's borders. */
export function stamp(grid: PixelGrid, tracker: ChangeTracker, cx: number, cy: number, brush: Brush, paint: PaintOptions): void {
  const s = stampFor(brush);
  const left = Math.floor(cx) - Math.floor((s.size - 1) / 2);
  const top = Math.floor(cy) - Math.floor((s.size - 1) / 2);
  tracker.touch(left, top, left + s.size, top + s.size);
  const { width, height, data } = grid;
  const { value, onlyValue } = paint;
  for (let j = 0; j < s.size; j++) {
    const y = top + j;
    if (y < 0 || y >= height) continue;
    const x0 = Math.max(0, left + s.spans[j][0]);
    const x1 = Math.min(width - 1, left + s.spans[j][1]);
    const row = y * width;
    if (onlyValue === undefined) {
      if (x0 <= x1) data.fill(value, row + x0, row + x1 + 1);
    } else {
      for (let x = x0; x <= x1; x++) if (data[row + x] === onlyValue) data[row + x] = value;
    }
  }
}

/** Paints stamps along the segment, one per pixel step including both ends, so strokes have no gaps. */
export function strokeSegment(
  grid: PixelGrid,
  tracker: ChangeTracker,
  from: { x: number; y: number },
  to: { x: number; y: number },
  brush: Brush,
  paint: PaintOptions,
): void {
  const ax = Math.floor(from.x);
  const ay = Math.floor(from.y);
  const bx = Math.floor(to.x);
  const by = Math.floor(to.y);
  const steps = Math.max(Math.abs(bx - ax), Math.abs(by - ay));
  for (let i = 0; i <= steps; i++) {
    const t = steps === 0 ? 0 : i / steps;
    stamp(grid, tracker, Math.round(ax + (bx - ax) * t), Math.round(ay + (by - ay) * t), brush, paint);
  }
}

/** The bounding box (half-open) a segment of this brush can change, before clipping. */
export function segmentBounds(from: { x: number; y: number }, to: { x: number; y: number }, brush: Brush) {
  const size = Math.max(1, Math.round(brush.size));
  const lo = Math.floor((size - 1) / 2);
  return {
    x0: Math.min(Math.floor(from.x), Math.floor(to.x)) - lo,
    y0: Math.min(Math.floor(from.y), Math.floor(to.y)) - lo,
    x1: Math.max(Math.floor(from.x), Math.floor(to.x)) - lo + size,
    y1: Math.max(Math.floor(from.y), Math.floor(to.y)) - lo + size,
  };
}
