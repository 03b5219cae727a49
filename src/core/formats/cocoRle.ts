/**
 * COCO run-length encoding (pycocotools' maskApi.c). A binary mask of height x width is read in
 * column-major order (down the first column, then the next) and stored as alternating run
 * lengths, zeros first: [0-run, 1-run, 0-run, ...] (a mask starting with a 1 starts with a 0).
 * The compressed form writes each count as 5-bit groups, low first, in the characters 48-111
 * (bit 0x20: another group follows; the last group's bit 0x10 is the sign), and from the fourth
 * count on (index > 2) stores the difference to the count two places earlier.
 *
 * Label maps are SegLab's row-major Uint8Array; encodeLabelMap makes one RLE per value, and
 * paintRle + toRowMajor write RLEs back into a label map.
 */

export type RleCounts = number[];

const ascii = new TextDecoder();

/** The counts in COCO's compressed string form. */
export function countsToString(counts: readonly number[]): string {
  // At most 7 characters a count (5 bits each, one of them the sign): 32-bit differences.
  const chars = new Uint8Array(counts.length * 7);
  let p = 0;
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i] - (i > 2 ? counts[i - 2] : 0);
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      chars[p++] = c + 48;
    }
  }
  return ascii.decode(chars.subarray(0, p));
}

/** Counts from COCO's compressed string; throws Error saying what is wrong. */
export function countsFromString(s: string): RleCounts {
  const counts: RleCounts = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) throw new Error('compressed counts end in the middle of a number');
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new Error(`compressed counts: character "${s[p]}" at ${p} is outside "0"-"o"`);
      // Counts of masks up to 2^29 pixels fit 6 groups; more would overflow 32-bit shifts.
      if (k === 6) throw new Error(`compressed counts: number at ${p - k} is too large`);
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}

/** Throws Error unless the counts are non-negative integers adding up to `pixels`. */
export function checkCounts(counts: readonly unknown[], pixels: number): asserts counts is RleCounts {
  let sum = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0) throw new Error(`counts[${i}] is ${JSON.stringify(c)}, not a run length`);
    sum += c;
  }
  if (sum !== pixels) throw new Error(`counts add up to ${sum} pixels, the size says ${pixels}`);
}

/** Per-column transition rows of 4 neighbouring columns, reused between calls. */
let lanes = new Int32Array(4 * 1024);

/**
 * One RLE per value present in a row-major label map. Each value's counts alternate other values
 * and that value, as COCO's binary masks do. The work is finding where the value changes going
 * down each column: where rows are word-aligned, 4 columns at a time by comparing each 32-bit
 * word with the one above (typed arrays are little-endian on every platform JS runs on, so byte
 * j of a word is column 4c + j), so uniform regions cost a compare per 4 pixels.
 */
export function encodeLabelMap(data: Uint8Array, width: number, height: number): Map<number, RleCounts> {
  const n = width * height;
  const result = new Map<number, RleCounts>();
  if (n === 0) return result;
  const runs: Array<RleCounts | undefined> = new Array(256);
  const ends = new Float64Array(256); // where each value's last run ended
  let value = data[0];
  let start = 0;
  /** The run of `value` ends at column-major position p; a run of v starts. */
  const change = (p: number, v: number) => {
    let counts = runs[value];
    if (counts === undefined) runs[value] = counts = [];
    counts.push(start - ends[value], p - start);
    ends[value] = p;
    value = v;
    start = p;
  };
  if ((width & 3) === 0 && (data.byteOffset & 3) === 0) {
    if (lanes.length < 4 * height) lanes = new Int32Array(4 * height);
    const words = new Uint32Array(data.buffer, data.byteOffset, n >> 2);
    const perRow = width >> 2;
    const count = new Int32Array(4);
    for (let c = 0; c < perRow; c++) {
      count.fill(0);
      // A column's top continues the previous column's bottom.
      for (let j = 0; j < 4; j++) {
        const x = 4 * c + j;
        if (x > 0 && data[x] !== data[n - width + x - 1]) lanes[j * height + count[j]++] = 0;
      }
      let above = words[c];
      for (let y = 1, k = c + perRow; y < height; y++, k += perRow) {
        const word = words[k];
        if (word === above) continue;
        const diff = word ^ above;
        if (diff & 0xff) lanes[count[0]++] = y;
        if (diff & 0xff00) lanes[height + count[1]++] = y;
        if (diff & 0xff0000) lanes[2 * height + count[2]++] = y;
        if (diff >>> 24) lanes[3 * height + count[3]++] = y;
        above = word;
      }
      for (let j = 0; j < 4; j++) {
        const x = 4 * c + j;
        for (let t = j * height, end = t + count[j]; t < end; t++) {
          const y = lanes[t];
          change(x * height + y, data[y * width + x]);
        }
      }
    }
  } else {
    for (let x = 0, p = 0; x < width; x++) {
      for (let i = x; i < n; i += width, p++) if (data[i] !== value) change(p, data[i]);
    }
  }
  change(n, value);
  runs.forEach((counts, v) => {
    if (counts === undefined) return;
    if (ends[v] < n) counts.push(n - ends[v]);
    result.set(v, counts);
  });
  return result;
}

/**
 * Writes `value` wherever the RLE has ones into a column-major buffer (pixel (x, y) at
 * x * height + y), so each run is one fill; a later call paints over an earlier one. Returns the
 * pixels painted. `toRowMajor` turns the buffer into a label map.
 */
export function paintRle(counts: readonly number[], columns: Uint8Array, value: number): number {
  let p = 0;
  let area = 0;
  for (let i = 0; i < counts.length; i++) {
    const end = p + counts[i];
    if (i & 1) {
      columns.fill(value, p, end);
      area += end - p;
    }
    p = end;
  }
  return area;
}

/**
 * The row-major label map of a column-major buffer, into `out` (a new array by default). Sizes
 * that are multiples of 4 move 4 x 4 blocks through 32-bit words; others go pixel by pixel in
 * cache-sized tiles.
 */
export function toRowMajor(columns: Uint8Array, width: number, height: number, out = new Uint8Array(width * height)): Uint8Array {
  const aligned = (width & 3) === 0 && (height & 3) === 0 && (columns.byteOffset & 3) === 0 && (out.byteOffset & 3) === 0;
  if (aligned) transposeWords(columns, width, height, out);
  else transposeBytes(columns, width, height, out);
  return out;
}

function transposeBytes(columns: Uint8Array, width: number, height: number, out: Uint8Array): void {
  const TILE = 64;
  for (let x0 = 0; x0 < width; x0 += TILE) {
    const x1 = Math.min(width, x0 + TILE);
    for (let y0 = 0; y0 < height; y0 += TILE) {
      const y1 = Math.min(height, y0 + TILE);
      for (let x = x0; x < x1; x++) {
        for (let y = y0, src = x * height + y0, dst = y0 * width + x; y < y1; y++, src++, dst += width) out[dst] = columns[src];
      }
    }
  }
}

/** Word k of a column holds rows 4k..4k+3 (byte 0 first, as typed arrays are little-endian on every platform JS runs on). */
function transposeWords(columns: Uint8Array, width: number, height: number, out: Uint8Array): void {
  const src = new Uint32Array(columns.buffer, columns.byteOffset, (width * height) >> 2);
  const dst = new Uint32Array(out.buffer, out.byteOffset, (width * height) >> 2);
  const [wordsPerColumn, wordsPerRow] = [height >> 2, width >> 2];
  const TILE = 16;
  for (let bx0 = 0; bx0 < wordsPerRow; bx0 += TILE) {
    const bx1 = Math.min(wordsPerRow, bx0 + TILE);
    for (let by0 = 0; by0 < wordsPerColumn; by0 += TILE) {
      const by1 = Math.min(wordsPerColumn, by0 + TILE);
      for (let bx = bx0; bx < bx1; bx++) {
        const column = 4 * bx * wordsPerColumn;
        for (let by = by0; by < by1; by++) {
          // a, b, c, d: 4 rows of columns 4bx..4bx+3; each output word takes one byte of each
          const a = src[column + by];
          const b = src[column + wordsPerColumn + by];
          const c = src[column + 2 * wordsPerColumn + by];
          const d = src[column + 3 * wordsPerColumn + by];
          const row = 4 * by * wordsPerRow + bx;
          dst[row] = (a & 0xff) | ((b & 0xff) << 8) | ((c & 0xff) << 16) | ((d & 0xff) << 24);
          dst[row + wordsPerRow] = ((a >>> 8) & 0xff) | (b & 0xff00) | ((c & 0xff00) << 8) | ((d & 0xff00) << 16);
          dst[row + 2 * wordsPerRow] = ((a >>> 16) & 0xff) | ((b >>> 8) & 0xff00) | (c & 0xff0000) | ((d & 0xff0000) << 8);
          dst[row + 3 * wordsPerRow] = (a >>> 24) | ((b >>> 16) & 0xff00) | ((c >>> 8) & 0xff0000) | (d & 0xff000000);
        }
      }
    }
  }
}

/** Pixel count and COCO bbox [x, y, width, height] of an RLE's ones ([0, 0, 0, 0] when empty). */
export function rleBox(counts: readonly number[], height: number): { area: number; bbox: [number, number, number, number] } {
  let area = 0;
  let [x0, y0, x1, y1] = [Infinity, Infinity, -1, -1];
  let p = 0;
  for (let i = 0; i < counts.length; i++) {
    const end = p + counts[i];
    if (i & 1 && end > p) {
      area += end - p;
      const xa = Math.floor(p / height);
      const xb = Math.floor((end - 1) / height);
      x0 = Math.min(x0, xa);
      x1 = Math.max(x1, xb);
      y0 = Math.min(y0, xb > xa ? 0 : p % height);
      y1 = Math.max(y1, xb > xa ? height - 1 : (end - 1) % height);
    }
    p = end;
  }
  return { area, bbox: area === 0 ? [0, 0, 0, 0] : [x0, y0, x1 - x0 + 1, y1 - y0 + 1] };
}
