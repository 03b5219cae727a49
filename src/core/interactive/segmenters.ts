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
import type { Embeddings, PreviousMask } from '../model/promptable/selection';
import type { MultiSession } from '../model/promptable/session';
import type { Segmenter } from './noc';

/**
 * A new segmenter per target: the model keeps its previous logits between clicks. A click model
 * writes its masks into two buffers in turn (a click allocates nothing image-sized), so a mask it
 * returned is valid until the click after next, as long as runTarget needs it.
 */
export function promptableSegmenter(card: PromptableCard, decoder: MultiSession, embeddings: Embeddings, source: string): Segmenter {
  let previous: PreviousMask | undefined;
  const pixels = embeddings.width * embeddings.height;
  const buffers = card.family === 'clicks' ? [new Uint8Array(pixels), new Uint8Array(pixels)] : undefined;
  let turn = 0;
  return async (clicks) => {
    const into = buffers?.[turn++ % 2];
    const selection = await decodePrompt(card, decoder, embeddings, { points: clicks }, previous, source, { into });
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
