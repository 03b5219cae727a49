import type { PaintOptions, PixelGrid } from './grid';
import type { ChangeTracker } from './tracker';

export type FillRule = 'evenodd' | 'nonzero';

export type Point = { x: number; y: number };

/**
 * The pixels inside a polygon (vertices in image coordinates, any shape, implicitly closed), as
 * row spans [x0, x1) on row y, clipped to width x height: a pixel is inside when its centre is,
 * by the even-odd or nonzero winding rule. The one rasteriser of the editor and the importers.
 */
export function polygonSpans(points: readonly Point[], rule: FillRule, width: number, height: number, span: (y: number, x0: number, x1: number) => void): void {
  if (points.length < 3) return;
  const ys = points.map((p) => p.y);
  const yStart = Math.max(0, Math.floor(Math.min(...ys)));
  const yEnd = Math.min(height - 1, Math.ceil(Math.max(...ys)));
  const crossings: Array<{ x: number; dir: number }> = [];
  for (let y = yStart; y <= yEnd; y++) {
    const yc = y + 0.5;
    crossings.length = 0;
    for (let i = 0; i < points.length; i++) {
      const a = points[i];
      const b = points[(i + 1) % points.length];
      // Half-open in y so a vertex on the scanline counts once.
      if ((a.y <= yc && b.y > yc) || (b.y <= yc && a.y > yc)) {
        crossings.push({ x: a.x + ((yc - a.y) / (b.y - a.y)) * (b.x - a.x), dir: b.y > a.y ? 1 : -1 });
      }
    }
    crossings.sort((p, q) => p.x - q.x);
    let winding = 0;
    for (let k = 0; k < crossings.length - 1; k++) {
      winding = rule === 'evenodd' ? winding ^ 1 : winding + crossings[k].dir;
      if (winding === 0) continue;
      // Pixels whose centre x + 0.5 lies in [xa, xb).
      const x0 = Math.max(0, Math.ceil(crossings[k].x - 0.5));
      const x1 = Math.min(width, Math.ceil(crossings[k + 1].x - 0.5));
      if (x0 < x1) span(y, x0, x1);
    }
  }
}

/** Fills a polygon into the grid by polygonSpans' rule. */
export function fillPolygon(grid: PixelGrid, tracker: ChangeTracker, points: readonly Point[], rule: FillRule, paint: PaintOptions): void {
  polygonSpans(points, rule, grid.width, grid.height, (y, x0, x1) => {
    tracker.touch(x0, y, x1, y + 1);
    const row = y * grid.width;
    for (let i = row + x0; i < row + x1; i++) {
      if (paint.onlyValue === undefined || grid.data[i] === paint.onlyValue) grid.data[i] = paint.value;
    }
  });
}
