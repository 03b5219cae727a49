import type { PixelGrid } from './grid';
import type { ChangeTracker } from './tracker';

/** Writes a list of (index, value) changes computed from the unmodified mask, honouring `onlyValue`. */
function commit(grid: PixelGrid, tracker: ChangeTracker, indices: number[], values: number[], onlyValue?: number): void {
  if (indices.length === 0) return;
  const { width, data } = grid;
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -1,
    y1 = -1;
  for (const i of indices) {
    const x = i % width;
    const y = (i - x) / width;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  tracker.touch(x0, y0, x1 + 1, y1 + 1);
  indices.forEach((i, k) => {
    if (onlyValue === undefined || data[i] === onlyValue) data[i] = values[k];
  });
}

/** Replaces every pixel of class `from` with `to`. */
export function replaceClass(grid: PixelGrid, tracker: ChangeTracker, from: number, to: number): void {
  if (from === to) return;
  const { width, height, data } = grid;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const first = data.subarray(row, row + width).indexOf(from);
    if (first < 0) continue;
    tracker.touch(first, y, width, y + 1);
    for (let i = row + first; i < row + width; i++) if (data[i] === from) data[i] = to;
  }
}

/** The most frequent value in `counts` (ties: the lower value); -1 if all are zero. */
function mostFrequent(counts: Uint32Array): number {
  let best = -1;
  for (let v = 0; v < counts.length; v++) if (counts[v] > 0 && (best < 0 || counts[v] > counts[best])) best = v;
  return best;
}

/**
 * Grows class `cls` by one pixel (4-neighbourhood): every other pixel touching it becomes `cls`.
 */
export function growClass(grid: PixelGrid, tracker: ChangeTracker, cls: number, onlyValue?: number): void {
  const { width, height, data } = grid;
  const indices: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (data[i] === cls) continue;
      if (
        (x > 0 && data[i - 1] === cls) ||
        (x < width - 1 && data[i + 1] === cls) ||
        (y > 0 && data[i - width] === cls) ||
        (y < height - 1 && data[i + width] === cls)
      ) {
        indices.push(i);
      }
    }
  }
  commit(
    grid,
    tracker,
    indices,
    indices.map(() => cls),
    onlyValue,
  );
}

/**
 * Shrinks class `cls` by one pixel: every pixel of it touching another class takes the most
 * frequent of its other 4-neighbours' classes.
 */
export function shrinkClass(grid: PixelGrid, tracker: ChangeTracker, cls: number): void {
  const { width, height, data } = grid;
  const indices: number[] = [];
  const values: number[] = [];
  const counts = new Uint32Array(256);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (data[i] !== cls) continue;
      counts.fill(0);
      if (x > 0) counts[data[i - 1]]++;
      if (x < width - 1) counts[data[i + 1]]++;
      if (y > 0) counts[data[i - width]]++;
      if (y < height - 1) counts[data[i + width]]++;
      counts[cls] = 0;
      const v = mostFrequent(counts);
      if (v >= 0) {
        indices.push(i);
        values.push(v);
      }
    }
  }
  commit(grid, tracker, indices, values);
}

/**
 * Removes 4-connected regions of fewer than `minPixels` pixels (of class `only`, or of any class),
 * giving each the most frequent class around it.
 */
export function removeIslands(grid: PixelGrid, tracker: ChangeTracker, minPixels: number, only?: number): void {
  const { width, height, data } = grid;
  const seen = new Uint8Array(width * height);
  const queue = new Int32Array(width * height);
  const counts = new Uint32Array(256);
  const indices: number[] = [];
  const values: number[] = [];
  for (let start = 0; start < data.length; start++) {
    if (seen[start]) continue;
    const v = data[start];
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    seen[start] = 1;
    counts.fill(0);
    while (head < tail) {
      const i = queue[head++];
      const x = i % width;
      const neighbours = [x > 0 ? i - 1 : -1, x < width - 1 ? i + 1 : -1, i >= width ? i - width : -1, i + width < data.length ? i + width : -1];
      for (const n of neighbours) {
        if (n < 0) continue;
        if (data[n] !== v) counts[data[n]]++;
        else if (!seen[n]) {
          seen[n] = 1;
          queue[tail++] = n;
        }
      }
    }
    if (tail >= minPixels || (only !== undefined && v !== only)) continue;
    const fill = mostFrequent(counts);
    if (fill < 0) continue;
    for (let k = 0; k < tail; k++) {
      indices.push(queue[k]);
      values.push(fill);
    }
  }
  commit(grid, tracker, indices, values);
}
