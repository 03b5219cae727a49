/**
 * Tensors in the model's own conventions: the pipeline works on NCHW float32; a model may want
 * NHWC, float16 or uint8 input and may answer in float16, NHWC or integer class indices. These
 * are the conversions at the model's boundary, shared by every backend.
 */

export const INPUT_DTYPES = ['float32', 'float16', 'uint8'] as const;
export type InputDtype = (typeof INPUT_DTYPES)[number];
export type Layout = 'NCHW' | 'NHWC';

/** An input ready for a session: the data in the model's element type and layout. */
export interface InputTensor {
  type: InputDtype;
  data: Float32Array | Uint16Array | Uint8Array;
  dims: number[];
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 half-precision bits of `v`, rounded to nearest even (overflow to infinity). */
export function toFloat16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rounded = (m + half - 1 + ((m >>> shift) & 1)) >>> shift;
    return sign | rounded;
  }
  const rounded = (mant + 0xfff + ((mant >>> 13) & 1)) >>> 13;
  return (sign | (e << 10)) + rounded; // a mantissa carry moves into the exponent, as it should
}

export function fromFloat16Bits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * The NCHW float32 tensor (3 x height x width, already normalised) in the model's layout and
 * element type; uint8 values are rounded and clamped to 0-255.
 */
export function encodeInput(chw: Float32Array, height: number, width: number, layout: Layout, type: InputDtype): InputTensor {
  const plane = height * width;
  let values = chw;
  if (layout === 'NHWC') {
    values = new Float32Array(chw.length);
    for (let c = 0; c < 3; c++) for (let i = 0; i < plane; i++) values[i * 3 + c] = chw[c * plane + i];
  }
  const dims = layout === 'NHWC' ? [1, height, width, 3] : [1, 3, height, width];
  if (type === 'float32') return { type, data: values, dims };
  if (type === 'float16') return { type, data: Uint16Array.from(values, toFloat16Bits), dims };
  return { type, data: Uint8Array.from(values, (v) => Math.min(255, Math.max(0, Math.round(v)))), dims };
}

/** Any numeric tensor data as float32 (float16 arrives as its bits in a Uint16Array; int64 as BigInt64Array). */
export function toFloat32(data: unknown, type: string): Float32Array {
  if (data instanceof Float32Array) return data;
  if (type === 'float16' && data instanceof Uint16Array) return Float32Array.from(data, fromFloat16Bits);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Float32Array.from(data, (v) => Number(v));
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) return Float32Array.from(data as unknown as ArrayLike<number>);
  throw new Error(`output of type ${type} is not a numeric tensor`);
}

/** HWC -> CHW. */
export function hwcToChw(hwc: Float32Array, height: number, width: number, channels: number): Float32Array {
  const plane = height * width;
  const out = new Float32Array(hwc.length);
  for (let i = 0; i < plane; i++) for (let c = 0; c < channels; c++) out[c * plane + i] = hwc[i * channels + c];
  return out;
}
