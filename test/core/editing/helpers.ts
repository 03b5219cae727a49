import type { PixelGrid } from '../../../src/core/editing/grid';

/** A grid from rows of digits ('.' = 0), for hand-checked expectations. */
export function gridOf(rows: string[]): PixelGrid {
  const height = rows.length;
  const width = rows[0].length;
  const data = new Uint8Array(width * height);
  rows.forEach((r, y) => [...r].forEach((c, x) => (data[y * width + x] = c === '.' ? 0 : Number.parseInt(c, 36))));
  return { width, height, data };
}

export function rowsOf(grid: PixelGrid): string[] {
  const rows: string[] = [];
  for (let y = 0; y < grid.height; y++) {
    rows.push([...grid.data.subarray(y * grid.width, (y + 1) * grid.width)].map((v) => (v === 0 ? '.' : v.toString(36))).join(''));
  }
  return rows;
}

export function blank(width: number, height: number, value = 0): PixelGrid {
  return { width, height, data: new Uint8Array(width * height).fill(value) };
}
