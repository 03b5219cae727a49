/**
 * SAM's coordinate convention, as its `SamPredictor` and official ONNX example apply it: the
 * image's longest side is resized to the frame size (1024) with the other side rounded
 * (ResizeLongestSide: floor(side * scale + 0.5)), padded bottom-right to a square; prompts are
 * image pixels (x = column, y = row) scaled into that frame by resized/original per axis; box
 * corners are labels 2 and 3 after the points; without a box a padding point (0, 0) labelled -1
 * is appended. The decoder's masks are logits at the original size, thresholded at 0.
 */
import { ConfigError } from '../../errors';
import { bilinearTaps } from '../preprocess';

export interface SamFrame {
  width: number;
  height: number;
  /** Side of the square frame (1024). */
  size: number;
  resizedWidth: number;
  resizedHeight: number;
}

export function samFrame(width: number, height: number, size: number): SamFrame {
  const scale = size / Math.max(width, height);
  return { width, height, size, resizedWidth: Math.floor(width * scale + 0.5), resizedHeight: Math.floor(height * scale + 0.5) };
}

export interface PromptPoint {
  /** Column and row in image pixels. */
  x: number;
  y: number;
  positive: boolean;
}

/** Corners in image pixels, in either order. */
export interface PromptBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface Prompt {
  points: readonly PromptPoint[];
  box?: PromptBox;
}

export interface PromptTensors {
  /** [1, N, 2] (x, y) in the frame. */
  coords: Float32Array;
  /** [1, N]: 1 positive, 0 negative, 2 and 3 box corners, -1 padding. */
  labels: Float32Array;
  count: number;
}

/** `source` names what the prompt came from (a request, the command line) in errors. */
export function promptTensors(frame: SamFrame, prompt: Prompt, source: string): PromptTensors {
  const { width, height } = frame;
  const inside = (x: number, y: number) => Number.isFinite(x) && Number.isFinite(y) && x >= 0 && y >= 0 && x <= width && y <= height;
  if (prompt.points.length === 0 && !prompt.box) throw new ConfigError(source, 'a prompt needs at least one point or a box');
  const pts: Array<[number, number, number]> = [];
  for (const p of prompt.points) {
    if (!inside(p.x, p.y)) throw new ConfigError(source, `point (${p.x}, ${p.y}) is outside the ${width}x${height} image`);
    pts.push([p.x, p.y, p.positive ? 1 : 0]);
  }
  if (prompt.box) {
    const { x0, y0, x1, y1 } = prompt.box;
    if (!inside(x0, y0) || !inside(x1, y1)) throw new ConfigError(source, `box (${x0}, ${y0}, ${x1}, ${y1}) reaches outside the ${width}x${height} image`);
    pts.push([Math.min(x0, x1), Math.min(y0, y1), 2], [Math.max(x0, x1), Math.max(y0, y1), 3]);
  } else {
    pts.push([0, 0, -1]);
  }
  const sx = frame.resizedWidth / width;
  const sy = frame.resizedHeight / height;
  const coords = new Float32Array(pts.length * 2);
  const labels = new Float32Array(pts.length);
  pts.forEach(([x, y, label], i) => {
    // Padding stays at (0, 0), as in SAM's example; scaling keeps it there.
    coords[i * 2] = x * sx;
    coords[i * 2 + 1] = y * sy;
    labels[i] = label;
  });
  return { coords, labels, count: pts.length };
}

/**
 * Candidate indices, best first. SAM's 4-mask export puts its single-mask token first: as its
 * ONNX model's select_masks does, that one wins from two decoder points on (one click plus the
 * padding point chooses among the three ambiguity masks); other counts rank by score alone.
 */
export function rankCandidates(scores: ArrayLike<number>, decoderPoints: number): number[] {
  const weighted = Array.from(scores, (s, k) => s + (scores.length === 4 && k === 0 ? (decoderPoints - 2.5) * 1000 : 0));
  return weighted.map((_, k) => k).sort((a, b) => weighted[b] - weighted[a] || a - b);
}

/** Channel `k` of [1, K, h, w] logits as a 0/1 mask (SAM's mask_threshold is 0). */
export function thresholdMask(logits: Float32Array, k: number, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels);
  const base = k * pixels;
  for (let i = 0; i < pixels; i++) out[i] = logits[base + i] > 0 ? 1 : 0;
  return out;
}

/** Logit written into mask_input for a mask that did not come from the decoder (a 0/1 mask file). */
export const BINARY_MASK_LOGIT = 20;

/**
 * A 0/1 mask of the image as SAM's mask_input [1, 1, size/4, size/4]: each low-resolution cell
 * takes the image pixel under its centre in the frame (the padding is background), ±20 logits.
 */
export function binaryMaskInput(mask: Uint8Array, frame: SamFrame): Float32Array {
  const side = frame.size / 4;
  const out = new Float32Array(side * side).fill(-BINARY_MASK_LOGIT);
  const sx = frame.width / frame.resizedWidth;
  const sy = frame.height / frame.resizedHeight;
  for (let i = 0; i < side; i++) {
    const fy = i * 4 + 2;
    if (fy >= frame.resizedHeight) break;
    const row = Math.min(frame.height - 1, Math.floor(fy * sy)) * frame.width;
    for (let j = 0; j < side; j++) {
      const fx = j * 4 + 2;
      if (fx >= frame.resizedWidth) break;
      if (mask[row + Math.min(frame.width - 1, Math.floor(fx * sx))]) out[i * side + j] = BINARY_MASK_LOGIT;
    }
  }
  return out;
}

/** Rows [rowFrom, rowTo) of `src` [inH, inW] resized along x to `outW` columns, keeping columns [colFrom, colTo). */
function resizeRows(src: Float32Array, inW: number, outW: number, colFrom: number, colTo: number, rowFrom: number, rowTo: number): Float32Array {
  const { i0: lo, i1: hi, w1: w } = bilinearTaps(inW, outW);
  const width = colTo - colFrom;
  const rows = new Float32Array((rowTo - rowFrom) * width);
  for (let r = rowFrom; r < rowTo; r++) {
    const base = r * inW;
    const at = (r - rowFrom) * width - colFrom;
    for (let c = colFrom; c < colTo; c++) rows[at + c] = (1 - w[c]) * src[base + lo[c]] + w[c] * src[base + hi[c]];
  }
  return rows;
}

/** The first and one past the last of the first `keep` outputs with a tap (lo or hi) in [from, to]: taps only grow with the output index. */
function tapping(lo: Int32Array, hi: Int32Array, keep: number, from: number, to: number): [number, number] {
  let start = 0;
  while (start < keep && hi[start] < from) start++;
  let end = keep;
  while (end > start && lo[end - 1] > to) end--;
  return [start, end];
}

/** Rows and columns of `src` [h, w] that hold a value > 0, as [row0, row1, col0, col1]; undefined when none does. */
function positiveBox(src: Float32Array, w: number, h: number): [number, number, number, number] | undefined {
  let [r0, r1, c0, c1] = [h, -1, w, -1];
  for (let r = 0; r < h; r++) {
    const base = r * w;
    for (let c = 0; c < w; c++) {
      if (!(src[base + c] > 0)) continue;
      if (r < r0) r0 = r;
      r1 = r;
      if (c < c0) c0 = c;
      if (c > c1) c1 = c;
    }
  }
  return r1 < 0 ? undefined : [r0, r1, c0, c1];
}

/**
 * torch's F.interpolate(bilinear, align_corners=False) of a [inH, inW] plane to [outH, outW],
 * computing only the top-left [keepH, keepW] (a crop of the result): rows first, then columns
 * (the order of torch's sums).
 */
function resizeBilinear(src: Float32Array, inW: number, inH: number, outW: number, outH: number, keepW = outW, keepH = outH): Float32Array {
  const rows = resizeRows(src, inW, outW, 0, keepW, 0, inH);
  const { i0: lo, i1: hi, w1: w } = bilinearTaps(inH, outH);
  const out = new Float32Array(keepH * keepW);
  for (let r = 0; r < keepH; r++) {
    const a = lo[r] * keepW;
    const b = hi[r] * keepW;
    const wb = w[r];
    const at = r * keepW;
    for (let c = 0; c < keepW; c++) out[at + c] = (1 - wb) * rows[a + c] + wb * rows[b + c];
  }
  return out;
}

/**
 * resizeBilinear thresholded at 0, computing only the pixels with a tap in the box of `src`'s
 * positive values: any other is a weighted mean of values <= 0, so 0 (as the full computation
 * gives it: each product and the sum stay <= 0). Its cost follows the mask's extent, not the image's.
 */
function resizeBilinearMask(src: Float32Array, inW: number, inH: number, outW: number, outH: number): Uint8Array {
  const out = new Uint8Array(outH * outW);
  const box = positiveBox(src, inW, inH);
  if (!box) return out;
  const y = bilinearTaps(inH, outH);
  const x = bilinearTaps(inW, outW);
  const [r0, r1] = tapping(y.i0, y.i1, outH, box[0], box[1]);
  const [c0, c1] = tapping(x.i0, x.i1, outW, box[2], box[3]);
  if (r0 >= r1 || c0 >= c1) return out;
  const rowFrom = y.i0[r0];
  const rows = resizeRows(src, inW, outW, c0, c1, rowFrom, y.i1[r1 - 1] + 1);
  const width = c1 - c0;
  for (let r = r0; r < r1; r++) {
    const a = (y.i0[r] - rowFrom) * width - c0;
    const b = (y.i1[r] - rowFrom) * width - c0;
    const wb = y.w1[r];
    const at = r * outW;
    for (let c = c0; c < c1; c++) out[at + c] = (1 - wb) * rows[a + c] + wb * rows[b + c] > 0 ? 1 : 0;
  }
  return out;
}

/**
 * SAM's mask post-processing (SamOnnxModel.mask_postprocessing, SamPredictor's postprocess_masks)
 * of one low-resolution candidate: upscaled to the frame, cropped to the resized image, upscaled to
 * the image's size; logits, > 0 is the mask. The decoder's `masks` output holds this for every
 * candidate; computing it here for the candidate on show saves the others' cost.
 */
export function upscaleLowRes(lowRes: Float32Array, frame: SamFrame): Float32Array {
  return resizeBilinear(framed(lowRes, frame), frame.resizedWidth, frame.resizedHeight, frame.width, frame.height);
}

/** upscaleLowRes thresholded at 0 in the same pass: the 0/1 mask at the image's size. */
export function upscaleLowResMask(lowRes: Float32Array, frame: SamFrame): Uint8Array {
  return resizeBilinearMask(framed(lowRes, frame), frame.resizedWidth, frame.resizedHeight, frame.width, frame.height);
}

/** The first step: the low-resolution logits upscaled to the frame, cropped to the resized image. */
function framed(lowRes: Float32Array, frame: SamFrame): Float32Array {
  const side = Math.round(Math.sqrt(lowRes.length));
  return resizeBilinear(lowRes, side, side, frame.size, frame.size, frame.resizedWidth, frame.resizedHeight);
}
