import { makeDelta, rectPixels, type MaskDelta } from './delta';
import { emptyRect, isEmptyRect, type PixelGrid, type Rect } from './grid';

/** Snapshot granularity: large enough that a whole-mask fill copies few rows, small enough for strokes. */
const TILE = 256;

/**
 * Records a mask's old pixels, tile by tile, the first time a tool touches them, so a gesture of
 * any shape becomes one delta without copying the whole mask. Tools call `touch` with the
 * rectangle they are about to write, then write `grid.data` directly. The delta covers the
 * bounding box of the touched rectangles.
 */
export class ChangeTracker {
  /** Old pixels per tile (row-major tile index), filled on first touch. */
  private readonly tiles: Array<Uint8Array | undefined>;
  private readonly tilesX: number;
  private readonly box = emptyRect();

  constructor(readonly grid: PixelGrid) {
    this.tilesX = Math.ceil(grid.width / TILE);
    this.tiles = new Array<Uint8Array | undefined>(this.tilesX * Math.ceil(grid.height / TILE));
  }

  touch(x0: number, y0: number, x1: number, y1: number): void {
    // Called once per span or stamp, so it avoids allocating.
    const box = this.box;
    x0 = Math.max(0, x0);
    y0 = Math.max(0, y0);
    x1 = Math.min(this.grid.width, x1);
    y1 = Math.min(this.grid.height, y1);
    if (x0 >= x1 || y0 >= y1) return;
    if (x0 < box.x0) box.x0 = x0;
    if (y0 < box.y0) box.y0 = y0;
    if (x1 > box.x1) box.x1 = x1;
    if (y1 > box.y1) box.y1 = y1;
    for (let ty = Math.floor(y0 / TILE); ty <= Math.floor((y1 - 1) / TILE); ty++) {
      for (let tx = Math.floor(x0 / TILE); tx <= Math.floor((x1 - 1) / TILE); tx++) {
        const key = ty * this.tilesX + tx;
        if (this.tiles[key] === undefined) this.tiles[key] = rectPixels(this.grid, this.tileRect(key));
      }
    }
  }

  /** The delta of everything written since construction, or undefined when no pixel changed. */
  finish(): MaskDelta | undefined {
    const box = this.box;
    if (isEmptyRect(box)) return undefined;
    const after = rectPixels(this.grid, box);
    const before = after.slice();
    const bw = box.x1 - box.x0;
    for (let key = 0; key < this.tiles.length; key++) {
      const old = this.tiles[key];
      if (!old) continue;
      const t = this.tileRect(key);
      const x0 = Math.max(t.x0, box.x0);
      const x1 = Math.min(t.x1, box.x1);
      const tw = t.x1 - t.x0;
      for (let y = Math.max(t.y0, box.y0); y < Math.min(t.y1, box.y1); y++) {
        const src = (y - t.y0) * tw + (x0 - t.x0);
        before.set(old.subarray(src, src + x1 - x0), (y - box.y0) * bw + (x0 - box.x0));
      }
    }
    const delta = makeDelta(box, before, after);
    return sameBytes(delta.before, delta.after) ? undefined : delta;
  }

  private tileRect(key: number): Rect {
    const x0 = (key % this.tilesX) * TILE;
    const y0 = Math.floor(key / this.tilesX) * TILE;
    return { x0, y0, x1: Math.min(x0 + TILE, this.grid.width), y1: Math.min(y0 + TILE, this.grid.height) };
  }
}

/** Run-length forms are canonical, so equal pixels give equal bytes. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
