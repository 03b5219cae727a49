/**
 * What the tests and the smartselect bench that run the SAM-architecture decoders (random weights:
 * samDecoderDir, samQuantizedDecoderDir, samBenchModelsDir) share: their card, made-up embeddings
 * for them, a decoder session on onnxruntime-web WASM as a webview opens one, and the mask IoU.
 */
import type { OrtSessionLike } from '../../../src/core/model/backend';
import { SAM_DECODER_NAMES, SAM_MEAN, SAM_STD, type SamCard } from '../../../src/core/model/promptable/card';
import type { Embeddings } from '../../../src/core/model/promptable/selection';
import { ortMultiSession, type MultiSession, type OrtAnyTensorConstructor } from '../../../src/core/model/promptable/session';
import { requireWebRuntime } from '../../../src/node/onnxBackends';

/** A SAM card for `decoder` (and `encoder`, where one is run) with SAM's input, normalisation and decoder names. */
export function samBenchCard(name: string, decoder: string, encoder = 'unused.onnx'): SamCard {
  return {
    kind: 'promptable',
    family: 'sam',
    name,
    encoder: { file: encoder, input: { name: 'image', layout: 'NCHW', dtype: 'float32', size: 1024, mean: SAM_MEAN, std: SAM_STD } },
    decoder: { file: decoder, ...SAM_DECODER_NAMES },
    embeddings: { image_embeddings: 'image_embeddings' },
  };
}

/** Embeddings of a made-up width x height image: reproducible pseudo-random values in [-2, 2) from `seed`. */
export function randomEmbeddings(width: number, height: number, seed = width * 7919 + height): Embeddings {
  const data = new Float32Array(256 * 64 * 64).map(() => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 4 - 2);
  return { width, height, tensors: { image_embeddings: { data, dims: [1, 256, 64, 64] } } };
}

/** A decoder on onnxruntime-web's WASM build with 1 thread, as a webview runs it. */
export async function wasmSession(model: Uint8Array): Promise<MultiSession> {
  const ort = requireWebRuntime();
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  return ortMultiSession(session as unknown as OrtSessionLike, ort.Tensor as unknown as OrtAnyTensorConstructor, 'wasm');
}

/** Intersection over union of two 0/1 masks (1 when both are empty). */
export function iou(a: Uint8Array, b: Uint8Array): number {
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.length; i++) {
    both += a[i] & b[i];
    either += a[i] | b[i];
  }
  return either === 0 ? 1 : both / either;
}
