/**
 * Dataset-level confusion matrix as in mmsegmentation and Hugging Face `evaluate`: rows are
 * ground truth, columns prediction, accumulated over all pixels of all images.
 *
 * - A pixel whose ground truth equals `ignoreIndex` is skipped and counted in `ignoredPixels`.
 * - A prediction outside [0, C) (the ignore value included) is a miss for the ground-truth
 *   class and no predicted class: it lands in an extra "no class" column C.
 * - A ground-truth value outside [0, C) that is not the ignore index is a label the dataset
 *   does not define. It is skipped like an ignored pixel but counted apart, in
 *   `unknownGtPixels`, so callers can report it. (mmsegmentation still counts such pixels'
 *   predictions in the predicted areas; we do not, so every counted pixel has a class.)
 */
export class ConfusionMatrix {
  readonly numClasses: number;
  readonly ignoreIndex: number;
  /** C rows x (C + 1) columns, row-major; column C = predicted value outside [0, C). */
  readonly counts: Float64Array;
  ignoredPixels = 0;
  unknownGtPixels = 0;

  constructor(numClasses: number, ignoreIndex = 255) {
    if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > 256) {
      throw new RangeError(`numClasses must be an integer in [1, 256], got ${numClasses}`);
    }
    if (!Number.isInteger(ignoreIndex)) throw new RangeError(`ignoreIndex must be an integer, got ${ignoreIndex}`);
    this.numClasses = numClasses;
    this.ignoreIndex = ignoreIndex;
    this.counts = new Float64Array(numClasses * (numClasses + 1));
  }

  /** Count of pixels with ground truth `gt` and prediction `pred` (pred = C: no class). */
  at(gt: number, pred: number): number {
    return this.counts[gt * (this.numClasses + 1) + pred];
  }

  /** Pixels counted in the matrix (not ignored, known ground truth). */
  get pixels(): number {
    let sum = 0;
    for (let i = 0; i < this.counts.length; i++) sum += this.counts[i];
    return sum;
  }

  /** Adds one image (or any run of pixels): `gt` and `pred` hold one value per pixel. */
  accumulate(gt: Uint8Array, pred: Uint8Array): void {
    if (gt.length !== pred.length) {
      throw new RangeError(`ground truth has ${gt.length} pixels but prediction has ${pred.length}`);
    }
    // Chunks keep every histogram cell below 2^32.
    for (let start = 0; start < gt.length; start += CHUNK) {
      const end = Math.min(gt.length, start + CHUNK);
      countPairs(gt.subarray(start, end), pred.subarray(start, end));
      this.foldPairs(end - start);
    }
  }

  /** Adds another matrix's counts: partial runs (workers, images) merge exactly. */
  merge(other: ConfusionMatrix): void {
    if (other.numClasses !== this.numClasses || other.ignoreIndex !== this.ignoreIndex) {
      throw new RangeError(
        `cannot merge a ${other.numClasses}-class matrix (ignore ${other.ignoreIndex}) into a ` + `${this.numClasses}-class one (ignore ${this.ignoreIndex})`,
      );
    }
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
    this.ignoredPixels += other.ignoredPixels;
    this.unknownGtPixels += other.unknownGtPixels;
  }

  toJSON(): ConfusionMatrixJson {
    return {
      numClasses: this.numClasses,
      ignoreIndex: this.ignoreIndex,
      ignoredPixels: this.ignoredPixels,
      unknownGtPixels: this.unknownGtPixels,
      counts: Array.from(this.counts),
    };
  }

  static fromJSON(json: ConfusionMatrixJson): ConfusionMatrix {
    const cm = new ConfusionMatrix(json.numClasses, json.ignoreIndex);
    const counts = json.counts;
    if (!Array.isArray(counts) || counts.length !== cm.counts.length || !counts.every(isCount)) {
      throw new RangeError(`confusion matrix JSON needs ${cm.counts.length} non-negative integer counts`);
    }
    if (!isCount(json.ignoredPixels) || !isCount(json.unknownGtPixels ?? 0)) {
      throw new RangeError('confusion matrix JSON has invalid pixel counts');
    }
    cm.counts.set(counts);
    cm.ignoredPixels = json.ignoredPixels;
    cm.unknownGtPixels = json.unknownGtPixels ?? 0;
    return cm;
  }

  /**
   * Moves the pair histogram of `n` pixels into the matrix and clears it. Only the class rows
   * and the ignore row are read; the rest of the n pixels had an unknown ground truth.
   */
  private foldPairs(n: number): void {
    const c = this.numClasses;
    let seen = 0;
    for (let g = 0; g < c; g++) {
      if (g === this.ignoreIndex) continue;
      const row = g << 8;
      const out = g * (c + 1);
      let missed = 0;
      for (let p = 0; p < 256; p++) {
        const j = row | p;
        const v = pairs[j] + pairs[j + LANE] + pairs[j + 2 * LANE] + pairs[j + 3 * LANE];
        if (p < c) this.counts[out + p] += v;
        else missed += v;
        seen += v;
      }
      this.counts[out + c] += missed;
    }
    let ignored = 0;
    if (this.ignoreIndex >= 0 && this.ignoreIndex < 256) {
      const row = this.ignoreIndex << 8;
      for (let j = row; j < row + 256; j++) ignored += pairs[j] + pairs[j + LANE] + pairs[j + 2 * LANE] + pairs[j + 3 * LANE];
    }
    this.ignoredPixels += ignored;
    this.unknownGtPixels += n - seen - ignored;
    pairs.fill(0);
  }
}

export interface ConfusionMatrixJson {
  numClasses: number;
  ignoreIndex: number;
  ignoredPixels: number;
  unknownGtPixels?: number;
  counts: number[];
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

/**
 * Histogram of (gt << 8 | pred) pairs, in four lanes so that consecutive equal pixels increment
 * different words (a single histogram stalls on store-to-load forwarding in uniform regions).
 * Shared by all matrices: accumulate() empties it before returning.
 */
const LANE = 65536;
const CHUNK = 2 ** 30;
const pairs = new Uint32Array(4 * LANE);

function countPairs(gt: Uint8Array, pred: Uint8Array): void {
  const n = gt.length;
  let i = 0;
  if (gt.byteOffset % 4 === pred.byteOffset % 4) {
    // Align, then read four pixels of each side per 32-bit load, two loads per iteration; lane k
    // pairs byte k of both words, whatever the platform's byte order. Int32 (not Uint32) views
    // keep the loaded words small integers for the JIT.
    for (; i < n && (gt.byteOffset + i) % 4 !== 0; i++) pairs[(gt[i] << 8) | pred[i]]++;
    const words = ((n - i) >> 3) << 1;
    const g32 = new Int32Array(gt.buffer, gt.byteOffset + i, words);
    const p32 = new Int32Array(pred.buffer, pred.byteOffset + i, words);
    for (let w = 0; w < words; w += 2) {
      const a = g32[w];
      const b = p32[w];
      const c = g32[w + 1];
      const d = p32[w + 1];
      // Label masks are mostly uniform regions predicted right: 8 equal pixels count at once.
      if (a === b && c === a && d === a && a === Math.imul(a & 0xff, 0x01010101)) {
        pairs[(a & 0xff) * 0x101] += 8;
        continue;
      }
      pairs[((a & 0xff) << 8) | (b & 0xff)]++;
      pairs[LANE + ((a & 0xff00) | ((b >>> 8) & 0xff))]++;
      pairs[2 * LANE + (((a >>> 8) & 0xff00) | ((b >>> 16) & 0xff))]++;
      pairs[3 * LANE + (((a >>> 16) & 0xff00) | (b >>> 24))]++;
      pairs[((c & 0xff) << 8) | (d & 0xff)]++;
      pairs[LANE + ((c & 0xff00) | ((d >>> 8) & 0xff))]++;
      pairs[2 * LANE + (((c >>> 8) & 0xff00) | ((d >>> 16) & 0xff))]++;
      pairs[3 * LANE + (((c >>> 16) & 0xff00) | (d >>> 24))]++;
    }
    i += words * 4;
  } else {
    for (; i + 4 <= n; i += 4) {
      pairs[(gt[i] << 8) | pred[i]]++;
      pairs[LANE + ((gt[i + 1] << 8) | pred[i + 1])]++;
      pairs[2 * LANE + ((gt[i + 2] << 8) | pred[i + 2])]++;
      pairs[3 * LANE + ((gt[i + 3] << 8) | pred[i + 3])]++;
    }
  }
  for (; i < n; i++) pairs[(gt[i] << 8) | pred[i]]++;
}
