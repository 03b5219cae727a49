// Smooth random fields and blur for the synthetic microscopy images.
import type { Random } from './random';

/**
 * Value noise in about [-1, 1]: random values on a grid every `period` pixels, interpolated
 * with a smoothstep. Cheap, and the period sets the texture's grain.
 */
export function valueNoise(random: Random, size: number, period: number): Float32Array {
  const cells = Math.ceil(size / period) + 2;
  const grid = new Float32Array(cells * cells);
  for (let i = 0; i < grid.length; i++) grid[i] = random.next() * 2 - 1;
  // Per-column interpolation weights are the same for every row: compute them once.
  const x0 = new Int32Array(size);
  const wx = new Float32Array(size);
  for (let x = 0; x < size; x++) {
    const gx = x / period;
    x0[x] = Math.floor(gx);
    const f = gx - x0[x];
    wx[x] = f * f * (3 - 2 * f);
  }
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    const gy = y / period;
    const y0 = Math.floor(gy);
    const fy = gy - y0;
    const wy = fy * fy * (3 - 2 * fy);
    const r0 = y0 * cells;
    const r1 = r0 + cells;
    for (let x = 0; x < size; x++) {
      const i = x0[x];
      const top = grid[r0 + i] + (grid[r0 + i + 1] - grid[r0 + i]) * wx[x];
      const bottom = grid[r1 + i] + (grid[r1 + i + 1] - grid[r1 + i]) * wx[x];
      out[y * size + x] = top + (bottom - top) * wy;
    }
  }
  return out;
}

/** Sum of octaves of value noise, halving the period and the amplitude each time. */
export function fractalNoise(random: Random, size: number, period: number, octaves: number): Float32Array {
  const out = new Float32Array(size * size);
  let amplitude = 1;
  let total = 0;
  for (let o = 0; o < octaves; o++, period /= 2, amplitude /= 2) {
    const layer = valueNoise(random, size, Math.max(period, 1));
    for (let i = 0; i < out.length; i++) out[i] += layer[i] * amplitude;
    total += amplitude;
  }
  for (let i = 0; i < out.length; i++) out[i] /= total;
  return out;
}

/** In-place box blur of one square channel, horizontal then vertical, edges clamped. */
export function boxBlur(channel: Float32Array, size: number, radius: number): void {
  if (radius < 1) return;
  const line = new Float32Array(size);
  const span = 2 * radius + 1;
  const pass = (get: (k: number) => number, set: (k: number, v: number) => void) => {
    let sum = 0;
    for (let k = -radius; k <= radius; k++) sum += get(Math.min(Math.max(k, 0), size - 1));
    for (let k = 0; k < size; k++) {
      line[k] = sum / span;
      sum += get(Math.min(k + radius + 1, size - 1)) - get(Math.max(k - radius, 0));
    }
    for (let k = 0; k < size; k++) set(k, line[k]);
  };
  for (let y = 0; y < size; y++) {
    const row = y * size;
    pass(
      (k) => channel[row + k],
      (k, v) => (channel[row + k] = v),
    );
  }
  for (let x = 0; x < size; x++) {
    pass(
      (k) => channel[k * size + x],
      (k, v) => (channel[k * size + x] = v),
    );
  }
}
