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
 * Fills the 4-connected region of the mask value under (x, y): a scanline fill that works in
 * place (painted pixels no longer match the seed value, so no visited map is needed).
 */
export function floodFill(grid: PixelGrid, tracker: ChangeTracker, x: number, y: number, paint: PaintOptions): void {
  if (!inBounds(grid, x, y)) return;
  const { width, height, data } = grid;
  const seed = data[y * width + x];
  const { value } = paint;
  // With protect, the whole region has the seed value: it is either all paintable or not at all.
  if (seed === value || (paint.onlyValue !== undefined && seed !== paint.onlyValue)) return;
  const view = byteView(data);
  const stack = new SeedStack();
  stack.push(x, y);
  while (stack.size > 0) {
    const [sx, sy] = stack.pop();
    const row = sy * width;
    if (data[row + sx] !== seed) continue;
    let x0 = sx;
    while (x0 > 0 && data[row + x0 - 1] === seed) x0--;
    const x1 = runEnd(view, row + sx, row + width, seed) - row;
    tracker.touch(x0, sy, x1, sy + 1);
    data.fill(value, row + x0, row + x1);
    for (let ny = sy - 1; ny <= sy + 1; ny += 2) {
      if (ny < 0 || ny >= height) continue;
      const nrow = ny * width;
      // Push the start of every seed-valued run of the neighbour row under this span.
      for (let i = findByte(view, nrow + x0, nrow + x1, seed); i < nrow + x1; i = findByte(view, i, nrow + x1, seed)) {
        stack.push(i - nrow, ny);
        i = runEnd(view, i, nrow + x1, seed);
      }
    }
  }
}

/**
 * Magic wand: paints the 4-connected region of image pixels whose colour differs from the clicked
 * pixel's by at most `tolerance` (0-255) in every channel. A visited map is kept because painting
 * does not change what is being matched (the image).
 */
export function magicWand(grid: PixelGrid, tracker: ChangeTracker, image: RgbaImage, x: number, y: number, tolerance: number, paint: PaintOptions): void {
  if (!inBounds(grid, x, y) || image.width !== grid.width || image.height !== grid.height) return;
  const { width, height, data } = grid;
  const px = new Uint32Array(image.data.buffer, image.data.byteOffset, width * height);
  const c = px[y * width + x];
  const [c0, c1, c2] = [c & 255, (c >>> 8) & 255, (c >>> 16) & 255];
  const similar = (i: number): boolean => {
    const p = px[i];
    return Math.abs((p & 255) - c0) <= tolerance && Math.abs(((p >>> 8) & 255) - c1) <= tolerance && Math.abs(((p >>> 16) & 255) - c2) <= tolerance;
  };
  const visited = new Uint8Array(width * height);
  const { value, onlyValue } = paint;
  const stack = new SeedStack();
  stack.push(x, y);
  while (stack.size > 0) {
    const [sx, sy] = stack.pop();
    const row = sy * width;
    if (visited[row + sx]) continue;
    let x0 = sx;
    while (x0 > 0 && !visited[row + x0 - 1] && similar(row + x0 - 1)) x0--;
    let x1 = sx + 1;
    while (x1 < width && !visited[row + x1] && similar(row + x1)) x1++;
    visited.fill(1, row + x0, row + x1);
    tracker.touch(x0, sy, x1, sy + 1);
    if (onlyValue === undefined) data.fill(value, row + x0, row + x1);
    else for (let i = row + x0; i < row + x1; i++) if (data[i] === onlyValue) data[i] = value;
    for (let ny = sy - 1; ny <= sy + 1; ny += 2) {
      if (ny < 0 || ny >= height) continue;
      const nrow = ny * width;
      for (let nx = x0; nx < x1; nx++) {
        if (visited[nrow + nx] || !similar(nrow + nx)) continue;
        stack.push(nx, ny);
        while (nx + 1 < x1 && !visited[nrow + nx + 1] && similar(nrow + nx + 1)) nx++;
      }
    }
  }
}
