/**
 * Exact Euclidean distance transform (Felzenszwalb and Huttenlocher, "Distance Transforms of
 * Sampled Functions", 2012): for every pixel inside a region, the squared distance to the nearest
 * pixel outside it, with the pixels beyond the image's border counting as outside (as the
 * interactive-segmentation evaluations of RITM and SimpleClick pad their error masks with zeros).
 * Squared distances are integers, so maxima and ties compare exactly.
 */

/** The 1D transform of one line: `f[q]` is 0 (outside) or Infinity (inside); writes min over p of (q - p)² + f[p] into `d`. */
function transformLine(f: Float64Array, n: number, d: Float64Array, v: Int32Array, z: Float64Array): void {
  let k = -1;
  for (let q = 0; q < n; q++) {
    if (f[q] === Infinity) continue; // not a parabola: contributes nothing to the lower envelope
    while (k >= 0) {
      const s = (f[q] + q * q - (f[v[k]] + v[k] * v[k])) / (2 * q - 2 * v[k]);
      if (s > z[k]) {
        k++;
        v[k] = q;
        z[k] = s;
        break;
      }
      k--;
    }
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
    }
  }
  if (k < 0) {
    d.fill(Infinity, 0, n);
    return;
  }
  z[k + 1] = Infinity;
  let j = 0;
  for (let q = 0; q < n; q++) {
    while (z[j + 1] < q) j++;
    const dq = q - v[j];
    d[q] = dq * dq + f[v[j]];
  }
}

/**
 * Squared distances, row-major, `width * height`: 0 outside the region (`inside[i] === 0`), and
 * for an inside pixel the squared distance to the nearest outside pixel, beyond-the-border ones
 * included (a pixel on the image's edge is at distance 1).
 */
export function squaredDistanceTransform(inside: Uint8Array, width: number, height: number): Float64Array {
  if (inside.length !== width * height) throw new Error(`a region of ${inside.length} pixels for a ${width}x${height} image`);
  // The image padded by one outside pixel on every side.
  const pw = width + 2;
  const ph = height + 2;
  const grid = new Float64Array(pw * ph);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) grid[(y + 1) * pw + x + 1] = inside[y * width + x] ? Infinity : 0;
  }
  const n = Math.max(pw, ph);
  const f = new Float64Array(n);
  const d = new Float64Array(n);
  const v = new Int32Array(n);
  const z = new Float64Array(n + 1);
  for (let y = 1; y < ph - 1; y++) {
    const row = y * pw;
    f.set(grid.subarray(row, row + pw));
    transformLine(f, pw, d, v, z);
    grid.set(d.subarray(0, pw), row);
  }
  for (let x = 1; x < pw - 1; x++) {
    for (let y = 0; y < ph; y++) f[y] = grid[y * pw + x];
    transformLine(f, ph, d, v, z);
    for (let y = 0; y < ph; y++) grid[y * pw + x] = d[y];
  }
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) out.set(grid.subarray((y + 1) * pw + 1, (y + 1) * pw + 1 + width), y * width);
  return out;
}

/** The pixel of largest value, the first in row-major order among equals (the clicking robot's tie rule). */
export function firstMaximum(values: Float64Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
