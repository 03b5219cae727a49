import type { PaintOptions, PixelGrid } from './grid';
import type { ChangeTracker } from './tracker';

/**
 * Scanline walk of the 4-connected region around (sx, sy) whose pixels satisfy `inside`; calls
 * `span(y, x0, x1)` (x1 exclusive) once per maximal row span. A visited map is kept because
 * painting need not change `inside` (the wand tests image colours, not the mask).
 */
function scanRegion(
  width: number,
  height: number,
  sx: number,
  sy: number,
  inside: (i: number) => boolean,
  span: (y: number, x0: number, x1: number) => void,
): void {
  const visited = new Uint8Array(width * height);
  const stack: number[] = [sx, sy];
  while (stack.length > 0) {
    const y = stack.pop()!;
    const x = stack.pop()!;
    const row = y * width;
    if (visited[row + x] || !inside(row + x)) continue;
    let x0 = x;
    while (x0 > 0 && !visited[row + x0 - 1] && inside(row + x0 - 1)) x0--;
    let x1 = x + 1;
    while (x1 < width && !visited[row + x1] && inside(row + x1)) x1++;
    visited.fill(1, row + x0, row + x1);
    span(y, x0, x1);
    for (const ny of [y - 1, y + 1]) {
      if (ny < 0 || ny >= height) continue;
      const nrow = ny * width;
      let open = false;
      for (let nx = x0; nx < x1; nx++) {
        const ok = !visited[nrow + nx] && inside(nrow + nx);
        if (ok && !open) stack.push(nx, ny);
        open = ok;
      }
    }
  }
}

function paintSpan(grid: PixelGrid, tracker: ChangeTracker, y: number, x0: number, x1: number, paint: PaintOptions): void {
  tracker.touch(x0, y, x1, y + 1);
  const row = y * grid.width;
  if (paint.onlyValue === undefined) {
    grid.data.fill(paint.value, row + x0, row + x1);
    return;
  }
  for (let i = row + x0; i < row + x1; i++) if (grid.data[i] === paint.onlyValue) grid.data[i] = paint.value;
}

function inBounds(grid: PixelGrid, x: number, y: number): boolean {
  return Number.isInteger(x) && Number.isInteger(y) && x >= 0 && y >= 0 && x < grid.width && y < grid.height;
}

/** Fills the 4-connected region of the mask value under (x, y). */
export function floodFill(grid: PixelGrid, tracker: ChangeTracker, x: number, y: number, paint: PaintOptions): void {
  if (!inBounds(grid, x, y)) return;
  const { data } = grid;
  const seed = data[y * grid.width + x];
  if (seed === paint.value || (paint.onlyValue !== undefined && seed !== paint.onlyValue)) return;
  scanRegion(grid.width, grid.height, x, y, (i) => data[i] === seed, (row, x0, x1) => paintSpan(grid, tracker, row, x0, x1, paint));
}

/** RGBA pixels, as in ImageData. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/**
 * Magic wand: paints the 4-connected region of image pixels whose colour differs from the clicked
 * pixel's by at most `tolerance` (0-255) in every channel.
 */
export function magicWand(
  grid: PixelGrid,
  tracker: ChangeTracker,
  image: RgbaImage,
  x: number,
  y: number,
  tolerance: number,
  paint: PaintOptions,
): void {
  if (!inBounds(grid, x, y) || image.width !== grid.width || image.height !== grid.height) return;
  const px = image.data;
  const s = (y * grid.width + x) * 4;
  const [r, g, b] = [px[s], px[s + 1], px[s + 2]];
  const inside = (i: number): boolean => {
    const o = i * 4;
    return Math.abs(px[o] - r) <= tolerance && Math.abs(px[o + 1] - g) <= tolerance && Math.abs(px[o + 2] - b) <= tolerance;
  };
  scanRegion(grid.width, grid.height, x, y, inside, (row, x0, x1) => paintSpan(grid, tracker, row, x0, x1, paint));
}
