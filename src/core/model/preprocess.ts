/**
 * Image -> model input: for fixed-size models a resize keeping the aspect ratio (letterbox) or
 * filling the input (stretch), zero padding at the bottom/right up to the model's size or
 * multiple-of, value scale, mean/std normalisation, NCHW float32 (tensors.ts converts it to the
 * model's layout and type). Resampling is bilinear with torch's align_corners=False rule.
 */
import type { RgbImage } from './image';
import type { InputSpec } from './card';

/** Where the image sits in the input tensor. */
export interface InputPlan {
  tensorHeight: number;
  tensorWidth: number;
  /** The (resized) image occupies rows [0, validHeight) and columns [0, validWidth); the rest is padding. */
  validHeight: number;
  validWidth: number;
}

export const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

export function planInput(width: number, height: number, input: Pick<InputSpec, 'size' | 'multipleOf'> & { resize?: InputSpec['resize'] }): InputPlan {
  if (input.size) {
    const [th, tw] = input.size;
    if (input.resize === 'stretch') return { tensorHeight: th, tensorWidth: tw, validHeight: th, validWidth: tw };
    const s = Math.min(th / height, tw / width);
    return {
      tensorHeight: th,
      tensorWidth: tw,
      validHeight: Math.min(th, Math.max(1, Math.round(height * s))),
      validWidth: Math.min(tw, Math.max(1, Math.round(width * s))),
    };
  }
  const m = input.multipleOf;
  return { tensorHeight: roundUp(height, m), tensorWidth: roundUp(width, m), validHeight: height, validWidth: width };
}

/** Source index and weight of bilinear sampling for each destination index (torch, align_corners=False). */
export function bilinearTaps(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; w1: Float32Array } {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w1 = new Float32Array(outSize);
  const ratio = inSize / outSize;
  for (let d = 0; d < outSize; d++) {
    const src = Math.max(0, (d + 0.5) * ratio - 0.5);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[d] = lo;
    i1[d] = Math.min(lo + 1, inSize - 1);
    w1[d] = src - lo;
  }
  return { i0, i1, w1 };
}

/** A window of the image: the tensor's valid area samples image rows [y, y+height) and columns [x, x+width). */
export interface SourceWindow {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Builds the NCHW input. `window` (default: the whole image) is resampled to the plan's valid
 * area; padding is 0 after normalisation.
 */
export function toInputTensor(
  image: RgbImage,
  input: Pick<InputSpec, 'mean' | 'std' | 'scale' | 'order'>,
  plan: InputPlan,
  window: SourceWindow = { x: 0, y: 0, width: image.width, height: image.height },
): Float32Array {
  const { tensorHeight: th, tensorWidth: tw, validHeight: vh, validWidth: vw } = plan;
  const out = new Float32Array(3 * th * tw);
  const { data, channels, width: iw } = image;
  const rows = bilinearTaps(window.height, vh);
  const cols = bilinearTaps(window.width, vw);
  const same = window.height === vh && window.width === vw;
  for (let c = 0; c < 3; c++) {
    const src = input.order === 'BGR' ? 2 - c : c;
    const a = input.scale / input.std[c];
    const b = -input.mean[c] / input.std[c];
    const plane = c * th * tw;
    for (let y = 0; y < vh; y++) {
      const row = plane + y * tw;
      if (same) {
        let p = ((window.y + y) * iw + window.x) * channels + src;
        for (let x = 0; x < vw; x++, p += channels) out[row + x] = data[p] * a + b;
        continue;
      }
      const r0 = (window.y + rows.i0[y]) * iw;
      const r1 = (window.y + rows.i1[y]) * iw;
      const wy = rows.w1[y];
      for (let x = 0; x < vw; x++) {
        const c0 = (window.x + cols.i0[x]) * channels + src;
        const c1 = (window.x + cols.i1[x]) * channels + src;
        const wx = cols.w1[x];
        const top = data[r0 * channels + c0] * (1 - wx) + data[r0 * channels + c1] * wx;
        const bottom = data[r1 * channels + c0] * (1 - wx) + data[r1 * channels + c1] * wx;
        out[row + x] = (top * (1 - wy) + bottom * wy) * a + b;
      }
    }
  }
  return out;
}
