/**
 * Model output -> mask: the output as CHW float (NHWC transposed, a label map made one-hot),
 * bilinear upsampling (torch's align_corners=False rule), then per pixel the class and an 8-bit
 * confidence (255 = certain): argmax with the top softmax probability, or for a sigmoid output
 * the side of the threshold with the distance from it (multilabel: of the most probable class).
 */
import type { InferenceOutput } from './backend';
import { bilinearTaps } from './preprocess';
import type { ResolvedModel } from './resolve';
import { hwcToChw } from './tensors';

/** The output as CHW float32 with `model.channels` channels; a shape that does not fit is an error naming the output. */
export function decodeOutput(out: InferenceOutput, model: Pick<ResolvedModel, 'output' | 'channels'>): { data: Float32Array; height: number; width: number } {
  const { dims, data } = out;
  const { name, kind, layout } = model.output;
  const k = model.channels;
  const shape = `[${dims.join(', ')}]`;
  if (kind === 'labels') {
    const hw =
      dims.length === 3 && dims[0] === 1
        ? dims.slice(1)
        : dims.length === 4 && dims[0] === 1 && (dims[1] === 1 || dims[3] === 1)
          ? dims[1] === 1
            ? dims.slice(2)
            : dims.slice(1, 3)
          : undefined;
    if (!hw) throw new Error(`model output "${name}" has shape ${shape}; a label map is [1, H, W] or [1, 1, H, W]`);
    const plane = hw[0] * hw[1];
    const oneHot = new Float32Array(k * plane);
    for (let i = 0; i < plane; i++) {
      const v = data[i];
      if (!(Number.isInteger(v) && v >= 0 && v < k))
        throw new Error(`model output "${name}" holds ${v}, which is not a class index of the card's ${k} classes (0-${k - 1})`);
      oneHot[v * plane + i] = 1;
    }
    return { data: oneHot, height: hw[0], width: hw[1] };
  }
  const nhwc = layout === 'NHWC';
  const [c, h, w] = nhwc ? [dims[3], dims[1], dims[2]] : [dims[1], dims[2], dims[3]];
  if (dims.length !== 4 || dims[0] !== 1 || c !== k) {
    throw new Error(`model output "${name}" has shape ${shape}; expected ${nhwc ? `[1, H, W, ${k}]` : `[1, ${k}, H, W]`} (${layout})`);
  }
  return { data: nhwc ? hwcToChw(data, h, w, c) : data, height: h, width: w };
}

/**
 * Resizes CHW `src` (inH x inW) to fullH x fullW and returns its top-left outH x outW part
 * (the crop drops the padding). Returns `src` itself when nothing changes.
 */
export function resizeLogits(
  src: Float32Array,
  channels: number,
  inH: number,
  inW: number,
  fullH: number,
  fullW: number,
  outH = fullH,
  outW = fullW,
): Float32Array {
  if (inH === fullH && inW === fullW) {
    if (outH === inH && outW === inW) return src;
    const out = new Float32Array(channels * outH * outW);
    for (let c = 0; c < channels; c++) {
      for (let y = 0; y < outH; y++) out.set(src.subarray((c * inH + y) * inW, (c * inH + y) * inW + outW), (c * outH + y) * outW);
    }
    return out;
  }
  const rows = bilinearTaps(inH, fullH);
  const cols = bilinearTaps(inW, fullW);
  const out = new Float32Array(channels * outH * outW);
  for (let c = 0; c < channels; c++) {
    const plane = c * inH * inW;
    for (let y = 0; y < outH; y++) {
      const r0 = plane + rows.i0[y] * inW;
      const r1 = plane + rows.i1[y] * inW;
      const wy = rows.w1[y];
      const o = (c * outH + y) * outW;
      for (let x = 0; x < outW; x++) {
        const a = cols.i0[x];
        const b = cols.i1[x];
        const wx = cols.w1[x];
        const top = src[r0 + a] + (src[r0 + b] - src[r0 + a]) * wx;
        const bottom = src[r1 + a] + (src[r1 + b] - src[r1 + a]) * wx;
        out[o + x] = top + (bottom - top) * wy;
      }
    }
  }
  return out;
}

/** exp(d) for d <= 0 by linear interpolation in a table (step 1/64, relative error < 4e-5, far below 8 bits). */
const EXP_STEPS = 64;
const EXP_MIN = -20;
const EXP_TABLE = Float32Array.from({ length: -EXP_MIN * EXP_STEPS + 2 }, (_, i) => Math.exp(-i / EXP_STEPS));

function expNegative(d: number): number {
  const t = -d * EXP_STEPS;
  const i = t | 0;
  return EXP_TABLE[i] + (EXP_TABLE[i + 1] - EXP_TABLE[i]) * (t - i);
}

/** Per pixel [from, from + count) of CHW `values`: the highest value and its channel (the first of equal ones). */
function channelMax(values: Float32Array, channels: number, plane: number, from: number, count: number): { top: Float32Array; best: Uint8Array } {
  const top = values.slice(from, from + count);
  const best = new Uint8Array(count);
  for (let c = 1; c < channels; c++) {
    const row = values.subarray(c * plane + from, c * plane + from + count);
    for (let i = 0; i < count; i++) {
      if (row[i] > top[i]) {
        top[i] = row[i];
        best[i] = c;
      }
    }
  }
  return { top, best };
}

/**
 * Per pixel of CHW `logits` (`plane` pixels a channel): label = labels[argmax channel] and
 * confidence = round(255 * top probability) (softmax of logits; the value itself for
 * probabilities). Writes pixels [from, from + count) to `outLabels`/`outConfidence` at `at`.
 * Channel-major passes (max, then sum of exponentials) keep memory access sequential.
 */
export function argmaxConfidence(
  logits: Float32Array,
  channels: number,
  plane: number,
  labels: Uint8Array,
  kind: 'logits' | 'probabilities',
  outLabels: Uint8Array,
  outConfidence: Uint8Array,
  at = 0,
  from = 0,
  count = plane - from,
): void {
  const { top, best } = channelMax(logits, channels, plane, from, count);
  let p: Float32Array = top;
  if (kind === 'logits') {
    const sum = new Float32Array(count);
    for (let c = 0; c < channels; c++) {
      const row = logits.subarray(c * plane + from, c * plane + from + count);
      for (let i = 0; i < count; i++) {
        const d = row[i] - top[i];
        if (d > EXP_MIN) sum[i] += expNegative(d); // below, exp(d) < 3e-9: nothing at 8 bits
      }
    }
    for (let i = 0; i < count; i++) sum[i] = 1 / sum[i];
    p = sum;
  }
  for (let i = 0; i < count; i++) {
    outLabels[at + i] = labels[best[i]];
    outConfidence[at + i] = Math.round(Math.min(1, Math.max(0, p[i])) * 255);
  }
}

/**
 * One sigmoid channel: labels[1] where the probability is above `threshold`, else labels[0];
 * confidence 0.5 at the threshold rising linearly to 1 at probability 1 (above) or 0 (below),
 * which is the top softmax probability when the threshold is 0.5.
 */
export function thresholdConfidence(
  values: Float32Array,
  labels: Uint8Array,
  activation: 'applied' | 'none',
  threshold: number,
  outLabels: Uint8Array,
  outConfidence: Uint8Array,
  at = 0,
  from = 0,
  count = values.length - from,
): void {
  for (let i = 0; i < count; i++) {
    const p = probability(values[from + i], activation);
    const above = p > threshold;
    outLabels[at + i] = labels[above ? 1 : 0];
    outConfidence[at + i] = thresholdDistance(p, threshold);
  }
}

const probability = (v: number, activation: 'applied' | 'none') => (activation === 'none' ? 1 / (1 + Math.exp(-v)) : Math.min(1, Math.max(0, v)));

/** 8-bit confidence of probability `p` against `threshold`: 0.5 at it, rising linearly to 1 at probability 1 (above) or 0 (below). */
function thresholdDistance(p: number, threshold: number): number {
  return Math.round((p > threshold ? 0.5 + (0.5 * (p - threshold)) / (1 - threshold) : 0.5 + (0.5 * (threshold - p)) / threshold) * 255);
}

/**
 * One independent sigmoid per class: the class of the highest probability when it is above
 * `threshold` (so the most probable of the classes above it), else labels[0], the card's first
 * class (the background); confidence as for one sigmoid, from that highest probability.
 */
export function multilabelConfidence(
  values: Float32Array,
  channels: number,
  plane: number,
  labels: Uint8Array,
  activation: 'applied' | 'none',
  threshold: number,
  outLabels: Uint8Array,
  outConfidence: Uint8Array,
  at = 0,
  from = 0,
  count = plane - from,
): void {
  const { top, best } = channelMax(values, channels, plane, from, count); // the sigmoid is monotonic: the highest value is the highest probability
  for (let i = 0; i < count; i++) {
    const p = probability(top[i], activation);
    outLabels[at + i] = labels[p > threshold ? best[i] : 0];
    outConfidence[at + i] = thresholdDistance(p, threshold);
  }
}

/** The class and confidence of pixels [from, from + count) of CHW `values` by the model's output kind. */
export function classify(
  values: Float32Array,
  plane: number,
  model: Pick<ResolvedModel, 'output' | 'channels' | 'labels'>,
  outLabels: Uint8Array,
  outConfidence: Uint8Array,
  at = 0,
  from = 0,
  count = plane - from,
): void {
  const { kind, activation, threshold } = model.output;
  if (kind === 'sigmoid') thresholdConfidence(values, model.labels, activation!, threshold ?? 0.5, outLabels, outConfidence, at, from, count);
  else if (kind === 'multilabel')
    multilabelConfidence(values, model.channels, plane, model.labels, activation!, threshold ?? 0.5, outLabels, outConfidence, at, from, count);
  else argmaxConfidence(values, model.channels, plane, model.labels, kind === 'logits' ? 'logits' : 'probabilities', outLabels, outConfidence, at, from, count);
}
