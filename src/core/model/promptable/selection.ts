/**
 * What Smart Select's steps exchange, whatever the model family: an image's embeddings (the
 * encoder's outputs, or the image itself for a model without an encoder) and the candidate masks a
 * prompt gives. Apart from predictor.ts so that the families it runs can name them without a cycle.
 */
import type { FloatTensor } from './session';

/** The encoder's outputs for one image, keyed by the decoder input each feeds. */
export interface Embeddings {
  width: number;
  height: number;
  tensors: Record<string, FloatTensor>;
}

/**
 * What the next prompt refines: a SAM-family candidate's [size/4]² low-resolution logits (its
 * mask_input), or a click model's 0/1 mask at the image's size (the candidate's own mask, no copy).
 */
export type PreviousMask = Float32Array | Uint8Array;

export interface Candidate {
  /** 0/1, row-major, the image's size; thresholded on first use (a 4096² image: 16 M pixels a candidate). */
  readonly mask: Uint8Array;
  score: number;
  /** The next prompt's `previous`: SAM's low-resolution logits, a click model's `mask` itself. */
  lowRes: PreviousMask;
}

export interface Selection {
  width: number;
  height: number;
  /** Best first. */
  candidates: Candidate[];
  /** Where the masks came from: the decoder's `masks` output, or upscaleLowRes of its low-resolution masks. */
  masksFrom?: 'decoder' | 'lowRes';
}
