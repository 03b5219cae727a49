/**
 * Model output -> mask: bilinear upsampling of the logits (torch's align_corners=False rule),
 * argmax, and the top softmax probability as an 8-bit confidence (255 = certain).
 */
import { bilinearTaps } from './preprocess';

/**
 * Resizes CHW `src` (inH x inW) to fullH x fullW and returns its top-left outH x outW part
 * (the crop drops the padding). Returns `src` itself when nothing changes.
 */
export function resizeLogits(src: Float32Array, channels: number, inH: number, inW: number, fullH: number, fullW: number, outH = fullH, outW = fullW): Float32Array {
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
  const top = logits.slice(from, from + count);
  const best = new Uint8Array(count);
  for (let c = 1; c < channels; c++) {
    const row = logits.subarray(c * plane + from, c * plane + from + count);
    for (let i = 0; i < count; i++) {
      if (row[i] > top[i]) {
        top[i] = row[i];
        best[i] = c;
      }
    }
  }
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
