/**
 * The image as a promptable encoder's input: resized so its longest side fills the frame
 * (bilinear, torch's align_corners=False rule), normalised with the card's mean/std on 0-255
 * values, padded bottom-right with zeros to a square; NCHW [1, 3, S, S] or HWC [S, S, 3], float32
 * or uint8 (rounded, for exports that normalise inside the model).
 */
import type { RgbImage } from '../image';
import { toInputTensor } from '../preprocess';
import type { EncoderInputSpec } from './card';
import { samFrame } from './sam';
import type { FeedTensor } from './session';

export function encoderInput(image: RgbImage, spec: EncoderInputSpec): FeedTensor {
  const frame = samFrame(image.width, image.height, spec.size);
  const s = spec.size;
  const plan = { tensorHeight: s, tensorWidth: s, validHeight: frame.resizedHeight, validWidth: frame.resizedWidth };
  const nchw = toInputTensor(image, { mean: spec.mean, std: spec.std, scale: 1, order: 'RGB' }, plan);
  const plane = s * s;
  let data: Float32Array | Uint8Array = nchw;
  if (spec.layout === 'HWC') {
    data = new Float32Array(plane * 3);
    for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) data[i * 3 + c] = nchw[c * plane + i];
  }
  if (spec.dtype === 'uint8') data = Uint8Array.from(data, (v) => Math.min(255, Math.max(0, Math.round(v))));
  return { type: spec.dtype, data, dims: spec.layout === 'NCHW' ? [1, 3, s, s] : [s, s, 3] };
}
