/**
 * The simulated user of the NoC protocol (as in RITM's and SimpleClick's evaluation code): each
 * click goes to the pixel farthest from the boundary of the largest error region.
 *
 * - Errors are the valid (non-ignore) pixels where the prediction and the target differ: missed
 *   target pixels (false negatives) get a positive click, wrongly selected ones (false positives)
 *   a negative click. An ignore pixel is never clicked.
 * - Error regions are 4-connected; the largest by pixel count wins. Ties: a false-negative region
 *   wins over a false-positive one; among regions of one kind, the one whose first pixel comes
 *   first in row-major order.
 * - In that region, the click goes to the pixel of largest Euclidean distance to the nearest pixel
 *   outside the region (pixels beyond the image's border count as outside); ties: the first in
 *   row-major order.
 * - With an empty prediction the only error is the target itself: the first click lands on the
 *   target pixel farthest from its boundary.
 */
import { connectedComponents } from './components';
import { firstMaximum, squaredDistanceTransform } from './distanceTransform';

export interface Click {
  /** Column and row in image pixels. */
  x: number;
  y: number;
  positive: boolean;
}

interface Region {
  positive: boolean;
  size: number;
  pixels: Int32Array;
}

function largestRegion(errors: Uint8Array, width: number, height: number, positive: boolean): Region | undefined {
  const { labels, sizes } = connectedComponents(errors, width, height);
  let best = -1;
  // Regions are numbered in row-major order of their first pixel: the first of equals wins.
  for (let k = 0; k < sizes.length; k++) if (best < 0 || sizes[k] > sizes[best]) best = k;
  if (best < 0) return undefined;
  const label = best + 1;
  const pixels = new Int32Array(sizes[best]);
  let n = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === label) pixels[n++] = i;
  return { positive, size: sizes[best], pixels };
}

/** The pixel of the region farthest from its boundary, computed in the region's bounding box. */
function centreOf(region: Region, width: number): { x: number; y: number } {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (const i of region.pixels) {
    const x = i % width;
    const y = (i - x) / width;
    x0 = Math.min(x0, x);
    x1 = Math.max(x1, x);
    y0 = Math.min(y0, y);
    y1 = Math.max(y1, y);
  }
  // Outside the bounding box is outside the region, so the box's border stands in for the image's.
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const inside = new Uint8Array(bw * bh);
  for (const i of region.pixels) {
    const x = i % width;
    inside[((i - x) / width - y0) * bw + x - x0] = 1;
  }
  const best = firstMaximum(squaredDistanceTransform(inside, bw, bh));
  // Row-major order in the box is row-major order in the image, so the tie rule carries over.
  return { x: x0 + (best % bw), y: y0 + Math.floor(best / bw) };
}

/**
 * The next click for a 0/1 `target` and 0/1 `prediction` (row-major, `width * height`); `valid`
 * is 0 at ignore pixels. Undefined when the prediction has no error. The regions are found in the
 * errors' bounding box, so a click costs what the errors' extent costs, not the image's size.
 */
export function nextClick(target: Uint8Array, prediction: Uint8Array, valid: Uint8Array, width: number, height: number): Click | undefined {
  const n = width * height;
  if (target.length !== n || prediction.length !== n || valid.length !== n)
    throw new Error(`masks of ${target.length}, ${prediction.length} and ${valid.length} pixels for a ${width}x${height} image`);
  const isError = (i: number) => valid[i] !== 0 && (target[i] !== 0) !== (prediction[i] !== 0);
  let x0 = width,
    y0 = height,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0, i = y * width; x < width; x++, i++) {
      if (!isError(i)) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  if (x1 < 0) return undefined;
  // Row-major order in the box is row-major order in the image: the tie rules carry over.
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const missed = new Uint8Array(bw * bh);
  const wrong = new Uint8Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      const i = (y + y0) * width + x + x0;
      if (isError(i)) (target[i] ? missed : wrong)[y * bw + x] = 1;
    }
  }
  const fn = largestRegion(missed, bw, bh, true);
  const fp = largestRegion(wrong, bw, bh, false);
  const region = fn && fp ? (fp.size > fn.size ? fp : fn) : (fn ?? fp)!;
  const centre = centreOf(region, bw);
  return { x: x0 + centre.x, y: y0 + centre.y, positive: region.positive };
}
