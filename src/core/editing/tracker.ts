import { makeDelta, rectPixels, type MaskDelta } from './delta';
import { clipRect, emptyRect, includeRect, isEmptyRect, type PixelGrid, type Rect } from './grid';

const TILE = 64;

/**
 * Records a mask's old pixels, tile by tile, the first time a tool touches them, so a gesture of
 * any shape becomes one tight delta without copying the whole mask. Tools call `touch` with the
 * rectangle they are about to write, then write `grid.data` directly.
 */
export class ChangeTracker {
  private readonly tiles = new Map<number, Uint8Array>();
  private readonly tilesX: number;

  constructor(readonly grid: PixelGrid) {
    this.tilesX = Math.ceil(grid.width / TILE);
  }

  touch(x0: number, y0: number, x1: number, y1: number): void {
    const r = clipRect({ x0, y0, x1, y1 }, this.grid.width, this.grid.height);
    if (!r) return;
    for (let ty = Math.floor(r.y0 / TILE); ty <= Math.floor((r.y1 - 1) / TILE); ty++) {
      for (let tx = Math.floor(r.x0 / TILE); tx <= Math.floor((r.x1 - 1) / TILE); tx++) {
        const key = ty * this.tilesX + tx;
        if (!this.tiles.has(key)) this.tiles.set(key, rectPixels(this.grid, this.tileRect(key)));
      }
    }
  }

  /** The tight delta of everything changed since construction, or undefined when nothing changed. */
  finish(): MaskDelta | undefined {
    const { width, data } = this.grid;
    const box = emptyRect();
    for (const [key, old] of this.tiles) {
      const t = this.tileRect(key);
      const tw = t.x1 - t.x0;
      for (let y = t.y0; y < t.y1; y++) {
        const rowStart = y * width + t.x0;
        const oldRow = (y - t.y0) * tw;
        let first = -1;
        let last = -1;
        for (let i = 0; i < tw; i++) {
          if (data[rowStart + i] !== old[oldRow + i]) {
            if (first < 0) first = i;
            last = i;
          }
        }
        if (first >= 0) includeRect(box, { x0: t.x0 + first, y0: y, x1: t.x0 + last + 1, y1: y + 1 });
      }
    }
    if (isEmptyRect(box)) return undefined;
    const after = rectPixels(this.grid, box);
    const before = after.slice();
    const bw = box.x1 - box.x0;
    for (const [key, old] of this.tiles) {
      const t = this.tileRect(key);
      const x0 = Math.max(t.x0, box.x0);
      const x1 = Math.min(t.x1, box.x1);
      if (x0 >= x1) continue;
      for (let y = Math.max(t.y0, box.y0); y < Math.min(t.y1, box.y1); y++) {
        const src = (y - t.y0) * (t.x1 - t.x0) + (x0 - t.x0);
        before.set(old.subarray(src, src + x1 - x0), (y - box.y0) * bw + (x0 - box.x0));
      }
    }
    return makeDelta(box, before, after);
  }

  private tileRect(key: number): Rect {
    const x0 = (key % this.tilesX) * TILE;
    const y0 = Math.floor(key / this.tilesX) * TILE;
    return { x0, y0, x1: Math.min(x0 + TILE, this.grid.width), y1: Math.min(y0 + TILE, this.grid.height) };
  }
}
