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

/** Rows of `src` [inH, inW] resized along x to the first `keepW` of `outW` columns. */
function resizeRows(src: Float32Array, inW: number, inH: number, outW: number, keepW: number): Float32Array {
  const { i0: lo, i1: hi, w1: w } = bilinearTaps(inW, outW); // the first keepW used
  const rows = new Float32Array(inH * keepW);
  for (let r = 0; r < inH; r++) {
    const base = r * inW;
    const at = r * keepW;
    for (let c = 0; c < keepW; c++) rows[at + c] = (1 - w[c]) * src[base + lo[c]] + w[c] * src[base + hi[c]];
  }
  return rows;
}

/**
 * torch's F.interpolate(bilinear, align_corners=False) of a [inH, inW] plane to [outH, outW],
 * computing only the top-left [keepH, keepW] (a crop of the result): rows first, then columns
 * (the order of torch's sums). `mask`: the result thresholded at 0 instead of its values.
 */
function resizeBilinear(src: Float32Array, inW: number, inH: number, outW: number, outH: number, keepW: number, keepH: number, mask: true): Uint8Array;
function resizeBilinear(src: Float32Array, inW: number, inH: number, outW: number, outH: number, keepW?: number, keepH?: number): Float32Array;
function resizeBilinear(
  src: Float32Array,
  inW: number,
  inH: number,
  outW: number,
  outH: number,
  keepW = outW,
  keepH = outH,
  mask = false,
): Float32Array | Uint8Array {
  const rows = resizeRows(src, inW, inH, outW, keepW);
  const { i0: lo, i1: hi, w1: w } = bilinearTaps(inH, outH); // the first keepH used
  const out = mask ? new Uint8Array(keepH * keepW) : new Float32Array(keepH * keepW);
  for (let r = 0; r < keepH; r++) {
    const a = lo[r] * keepW;
    const b = hi[r] * keepW;
    const wb = w[r];
    const at = r * keepW;
    if (mask) for (let c = 0; c < keepW; c++) out[at + c] = (1 - wb) * rows[a + c] + wb * rows[b + c] > 0 ? 1 : 0;
    else for (let c = 0; c < keepW; c++) out[at + c] = (1 - wb) * rows[a + c] + wb * rows[b + c];
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
  return resizeBilinear(framed(lowRes, frame), frame.resizedWidth, frame.resizedHeight, frame.width, frame.height, frame.width, frame.height, true);
}

/** The first step: the low-resolution logits upscaled to the frame, cropped to the resized image. */
function framed(lowRes: Float32Array, frame: SamFrame): Float32Array {
  const side = Math.round(Math.sqrt(lowRes.length));
  return resizeBilinear(lowRes, side, side, frame.size, frame.size, frame.resizedWidth, frame.resizedHeight);
}
