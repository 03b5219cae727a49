/**
 * What the NoC protocol drives: a promptable model (every click so far as its points, the previous
 * answer's low-resolution logits as mask_input, as SamPredictor and the Smart Select tool do) and
 * the model-free baseline, the mask editor's magic wand (a positive click adds the wand's region
 * around the click, a negative click removes it).
 */
import { magicWand, type RgbaImage } from '../editing/fill';
import { ChangeTracker } from '../editing/tracker';
import type { RgbImage } from '../model/image';
import type { PromptableCard } from '../model/promptable/card';
import { decodePrompt } from '../model/promptable/predictor';
import type { Embeddings } from '../model/promptable/selection';
import type { MultiSession } from '../model/promptable/session';
import type { Segmenter } from './noc';

/** A new segmenter per target: the model keeps its previous logits between clicks. */
export function promptableSegmenter(card: PromptableCard, decoder: MultiSession, embeddings: Embeddings, source: string): Segmenter {
  let previous: Float32Array | undefined;
  return async (clicks) => {
    const selection = await decodePrompt(card, decoder, embeddings, { points: clicks }, previous, source);
    const best = selection.candidates[0];
    previous = best.lowRes;
    return best.mask;
  };
}

/** The image as the wand reads it: RGBA bytes. */
export function rgbaOf(image: RgbImage): RgbaImage {
  if (image.channels === 4) return image;
  const n = image.width * image.height;
  const data = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    data[4 * i] = image.data[3 * i];
    data[4 * i + 1] = image.data[3 * i + 1];
    data[4 * i + 2] = image.data[3 * i + 2];
    data[4 * i + 3] = 255;
  }
  return { width: image.width, height: image.height, data };
}

/** A new segmenter per target: the wand's selection so far, grown or cut by each new click. */
export function wandSegmenter(image: RgbaImage, tolerance: number): Segmenter {
  const { width, height } = image;
  const selection = new Uint8Array(width * height);
  return async (clicks) => {
    const click = clicks[clicks.length - 1];
    const region = { width, height, data: new Uint8Array(width * height) };
    magicWand(region, new ChangeTracker(region), image, click.x, click.y, tolerance, { value: 1 });
    const set = click.positive ? 1 : 0;
    for (let i = 0; i < region.data.length; i++) if (region.data[i]) selection[i] = set;
    return selection.slice();
  };
}
