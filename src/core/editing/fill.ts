import type { PaintOptions, PixelGrid } from './grid';
import { byteView, findByte, runEnd } from './scan';
import type { ChangeTracker } from './tracker';

/** RGBA pixels, as in ImageData. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

function inBounds(grid: PixelGrid, x: number, y: number): boolean {
  return Number.isInteger(x) && Number.isInteger(y) && x >= 0 && y >= 0 && x < grid.width && y < grid.height;
}

/** A growable stack of (x, y) seeds. */
class SeedStack {
  private items = new Int32Array(1024);
  private n = 0;
  push(x: number, y: number): void {
    if (this.n + 2 > this.items.length) {
      const grown = new Int32Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    this.items[this.n++] = x;
    this.items[this.n++] = y;
  }
  get size(): number {
    return this.n;
  }
  pop(): [number, number] {
    this.n -= 2;
    return [this.items[this.n], this.items[this.n + 1]];
  }
}

/**
 * Scanline fill in place: replaces the 4-connected run of `seed` bytes around (x, y) with `fill`
 * (which must differ from `seed`, so filled bytes need no visited map), calling `beforeSpan(y,
 * x0, x1)` before each row span (x1 exclusive) is written.
 */
function scanFill(
  bytes: Uint8Array,
  width: number,
  height: number,
  x: number,
  y: number,
  seed: number,
  fill: number,
  beforeSpan: (y: number, x0: number, x1: number) => void,
): void {
  const view = byteView(bytes);
  const stack = new SeedStack();
  stack.push(x, y);
  while (stack.size > 0) {
    const [sx, sy] = stack.pop();
    const row = sy * width;
    if (bytes[row + sx] !== seed) continue;
    let x0 = sx;
    while (x0 > 0 && bytes[row + x0 - 1] === seed) x0--;
    const x1 = runEnd(view, row + sx, row + width, seed) - row;
    beforeSpan(sy, x0, x1);
    bytes.fill(fill, row + x0, row + x1);
    for (let ny = sy - 1; ny <= sy + 1; ny += 2) {
      if (ny < 0 || ny >= height) continue;
      const nrow = ny * width;
      // Push the start of every seed run of the neighbour row under this span.
      for (let i = findByte(view, nrow + x0, nrow + x1, seed); i < nrow + x1; i = findByte(view, i, nrow + x1, seed)) {
        stack.push(i - nrow, ny);
        i = runEnd(view, i, nrow + x1, seed);
      }
    }
  }
}

/** Fills the 4-connected region of the mask value under (x, y). */
export function floodFill(grid: PixelGrid, tracker: ChangeTracker, x: number, y: number, paint: PaintOptions): void {
  if (!inBounds(grid, x, y)) return;
  const seed = grid.data[y * grid.width + x];
  // With protect, the whole region has the seed value: it is either all paintable or not at all.
  if (seed === paint.value || (paint.onlyValue !== undefined && seed !== paint.onlyValue)) return;
  scanFill(grid.data, grid.width, grid.height, x, y, seed, paint.value, (row, x0, x1) => tracker.touch(x0, row, x1, row + 1));
}

/** The mask editor's wand tolerance until the user changes it (also the NoC baseline's). */
export const DEFAULT_WAND_TOLERANCE = 32;

/**
 * Magic wand: paints the 4-connected region of image pixels whose colour differs from the clicked
 * pixel's by at most `tolerance` (0-255) in every channel. One tight pass marks the similar
 * pixels, then the same scanline fill as `floodFill` walks the marks.
 */
export function magicWand(grid: PixelGrid, tracker: ChangeTracker, image: RgbaImage, x: number, y: number, tolerance: number, paint: PaintOptions): void {
  if (!inBounds(grid, x, y) || image.width !== grid.width || image.height !== grid.height) return;
  const { width, height, data } = grid;
  // RGBA bytes read as little-endian words: red in the low byte.
  const px = new Uint32Array(image.data.buffer, image.data.byteOffset, width * height);
  const c = px[y * width + x];
  const [r, g, b] = [c & 255, (c >>> 8) & 255, (c >>> 16) & 255];
  const t = tolerance;
  const similar = new Uint8Array(width * height);
  for (let i = 0; i < similar.length; i++) {
    const p = px[i];
    const dr = (p & 255) - r;
    const dg = ((p >>> 8) & 255) - g;
    const db = ((p >>> 16) & 255) - b;
    similar[i] = dr <= t && dr >= -t && dg <= t && dg >= -t && db <= t && db >= -t ? 1 : 0;
  }
  const { value, onlyValue } = paint;
  scanFill(similar, width, height, x, y, 1, 2, (row, x0, x1) => {
    tracker.touch(x0, row, x1, row + 1);
    const start = row * width;
    if (onlyValue === undefined) data.fill(value, start + x0, start + x1);
    else for (let i = start + x0; i < start + x1; i++) if (data[i] === onlyValue) data[i] = value;
  });
}
