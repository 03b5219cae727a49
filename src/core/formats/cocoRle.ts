/**
 * COCO run-length encoding (pycocotools' maskApi.c). A binary mask of height x width is read in
 * column-major order (down the first column, then the next) and stored as alternating run
 * lengths, zeros first: [0-run, 1-run, 0-run, ...] (a mask starting with a 1 starts with a 0).
 * The compressed form writes each count as 5-bit groups, low first, in the characters 48-111
 * (bit 0x20: another group follows; the last group's bit 0x10 is the sign), and from the fourth
 * count on (index > 2) stores the difference to the count two places earlier.
 *
 * Label maps are SegLab's row-major Uint8Array; encodeLabelMap makes one RLE per value in one
 * column-major pass, and paintRle writes an RLE's ones back into a label map.
 */

export type RleCounts = number[];

/** The counts in COCO's compressed string form. */
export function countsToString(counts: readonly number[]): string {
  let s = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i] - (i > 2 ? counts[i - 2] : 0);
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5;
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
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

/**
 * One RLE per value present in a row-major label map, from a single column-major pass. Each
 * value's counts alternate other-values and that value, as COCO's binary masks do.
 */
export function encodeLabelMap(data: Uint8Array, width: number, height: number): Map<number, RleCounts> {
  const n = width * height;
  const runs: Array<RleCounts | undefined> = new Array(256);
  const ends = new Float64Array(256); // where each value's last run ended
  let value = data[0];
  let start = 0;
  const close = (v: number, from: number, to: number) => {
    let counts = runs[v];
    if (counts === undefined) runs[v] = counts = [];
    counts.push(from - ends[v], to - from);
    ends[v] = to;
  };
  let p = 0;
  for (let x = 0; x < width; x++) {
    for (let i = x; i < n; i += width) {
      const v = data[i];
      if (v !== value) {
        close(value, start, p);
        value = v;
        start = p;
      }
      p++;
    }
  }
  if (n > 0) close(value, start, n);
  const result = new Map<number, RleCounts>();
  runs.forEach((counts, v) => {
    if (counts === undefined) return;
    if (ends[v] < n) counts.push(n - ends[v]);
    result.set(v, counts);
  });
  return result;
}

/** Writes `value` into the row-major label map wherever the RLE has ones; returns that pixel count. */
export function paintRle(counts: readonly number[], data: Uint8Array, width: number, height: number, value: number): number {
  let p = 0;
  let area = 0;
  for (let i = 0; i < counts.length; i++) {
    const end = p + counts[i];
    if (i & 1) {
      area += end - p;
      let x = (p / height) | 0;
      let y = p - x * height;
      while (p < end) {
        const len = Math.min(end - p, height - y);
        for (let j = y * width + x, stop = (y + len) * width + x; j < stop; j += width) data[j] = value;
        p += len;
        y = 0;
        x++;
      }
    }
    p = end;
  }
  return area;
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
