/**
 * SegLab's click model (family "clicks", trained by `python -m seglab_trainer train --task
 * interactive`): no encoder; every prompt runs the one model on a zoom-in crop (FocalClick), so
 * the first click costs what the others do. The rule is backend/seglab_trainer/zoom.py's, here
 * for the extension:
 *
 * - A click on pixel (x, y) sits at its centre (x + 0.5, y + 0.5).
 * - The box is the square around every click and the previous mask's pixels: centred on their
 *   bounding box, side = ceil(max(expand x its longer side, minSide)), left/top floored. It may
 *   reach past the image (zero there, after normalisation).
 * - Crop pixel (i, j) has its centre at image point (left + (j + 0.5) side / S, top + (i + 0.5)
 *   side / S): the RGB is sampled bilinearly there (grid_sample, align_corners=False, zero
 *   padding), the previous mask takes the pixel under the centre (integer arithmetic), and the
 *   click maps are disks of the card's radius in crop pixels.
 * - The answer is resampled bilinearly (edges clamped) at each image pixel's centre inside the box
 *   and thresholded; outside the box the previous mask stays.
 * - With the card's `output.respectClicks`, each clicked pixel then takes its click's label (later
 *   clicks win) and only the 4-connected regions holding a positive click stay: a click is never
 *   ignored, and a neighbour the model spilled into without a path to the clicks is not selected.
 */
import { ConfigError, DataError } from '../../errors';
import type { RgbImage } from '../image';
import type { ClicksCard } from './card';
import type { Embeddings, PreviousMask, Selection } from './selection';
import type { Prompt } from './sam';
import type { MultiSession, SessionIo } from './session';

export interface CropBox {
  left: number;
  top: number;
  side: number;
}

export interface PixelClick {
  x: number;
  y: number;
  positive: boolean;
}

/** The zoom-in box for clicks (integer pixels) and a previous mask (image-sized, nonzero = selected). */
export function cropBox(clicks: readonly PixelClick[], previous: ArrayLike<number> | undefined, width: number, crop: ClicksCard['crop']): CropBox {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  const cover = (x: number, y: number) => {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x + 1);
    y1 = Math.max(y1, y + 1);
  };
  for (const c of clicks) cover(c.x, c.y);
  if (previous) for (let i = 0; i < previous.length; i++) if (previous[i]) cover(i % width, Math.floor(i / width));
  const side = Math.ceil(Math.max(crop.expand * Math.max(x1 - x0, y1 - y0), crop.minSide));
  return { left: Math.floor((x0 + x1 - side) / 2), top: Math.floor((y0 + y1 - side) / 2), side };
}

/** An image point (pixel x's centre is x + 0.5) in crop coordinates of the same convention, and back. */
export const toCrop = (x: number, y: number, box: CropBox, size: number): [number, number] => [
  (x - box.left) * (size / box.side),
  (y - box.top) * (size / box.side),
];
export const toImage = (u: number, v: number, box: CropBox, size: number): [number, number] => [
  box.left + u * (box.side / size),
  box.top + v * (box.side / size),
];

/** The image's RGB planes normalised with the card's mean/std on 0-255 values: [1, 3, H, W], zero meaning "mean". */
export function normalisedPlanes(card: ClicksCard, image: RgbImage): Float32Array {
  const { width, height, data, channels } = image;
  const n = width * height;
  const out = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) {
    const { [c]: mean } = card.input.mean;
    const { [c]: std } = card.input.std;
    for (let i = 0; i < n; i++) out[c * n + i] = (data[i * channels + c] - mean) / std;
  }
  return out;
}

/** The model's [1, 6, S, S] input for `clicks` refining `previous` (or none), cropped to `box`. */
export function clickModelInput(
  card: ClicksCard,
  planes: Float32Array,
  width: number,
  height: number,
  clicks: readonly PixelClick[],
  previous: ArrayLike<number> | undefined,
  box: CropBox,
): Float32Array {
  const s = card.crop.size;
  const plane = s * s;
  const out = new Float32Array(6 * plane);
  // Bilinear taps per crop row and column: the two source pixels (-1 past the image, read as 0) and the weight.
  const taps = (origin: number, limit: number) => {
    const lo = new Int32Array(s);
    const hi = new Int32Array(s);
    const w = new Float64Array(s);
    for (let k = 0; k < s; k++) {
      const src = origin + (k + 0.5) * (box.side / s) - 0.5;
      const f = Math.floor(src);
      lo[k] = f >= 0 && f < limit ? f : -1;
      hi[k] = f + 1 >= 0 && f + 1 < limit ? f + 1 : -1;
      w[k] = src - f;
    }
    return { lo, hi, w };
  };
  const rows = taps(box.top, height);
  const cols = taps(box.left, width);
  // Plain loops over typed arrays (no closure or tuple per pixel): this runs on every click.
  for (let c = 0; c < 3; c++) {
    const base = c * width * height;
    for (let i = 0; i < s; i++) {
      const y0 = rows.lo[i],
        y1 = rows.hi[i],
        wy = rows.w[i];
      const r0 = base + y0 * width,
        r1 = base + y1 * width;
      const row = c * plane + i * s;
      for (let j = 0; j < s; j++) {
        const x0 = cols.lo[j],
          x1 = cols.hi[j],
          wx = cols.w[j];
        const top = (y0 < 0 || x0 < 0 ? 0 : planes[r0 + x0]) * (1 - wx) + (y0 < 0 || x1 < 0 ? 0 : planes[r0 + x1]) * wx;
        const bottom = (y1 < 0 || x0 < 0 ? 0 : planes[r1 + x0]) * (1 - wx) + (y1 < 0 || x1 < 0 ? 0 : planes[r1 + x1]) * wx;
        out[row + j] = top * (1 - wy) + bottom * wy;
      }
    }
  }
  const r2 = card.clicks.radius * card.clicks.radius;
  for (const click of clicks) {
    const [u, v] = toCrop(click.x + 0.5, click.y + 0.5, box, s);
    const base = (click.positive ? 3 : 4) * plane;
    for (let i = Math.max(0, Math.floor(v - card.clicks.radius - 1)); i < Math.min(s, Math.ceil(v + card.clicks.radius + 1)); i++) {
      for (let j = Math.max(0, Math.floor(u - card.clicks.radius - 1)); j < Math.min(s, Math.ceil(u + card.clicks.radius + 1)); j++) {
        if ((j + 0.5 - u) ** 2 + (i + 0.5 - v) ** 2 <= r2) out[base + i * s + j] = 1;
      }
    }
  }
  if (previous) {
    // The pixel under crop pixel k's centre, as an offset from the box's left or top edge.
    const src = Int32Array.from({ length: s }, (_, k) => Math.floor(((2 * k + 1) * box.side) / (2 * s)));
    for (let i = 0; i < s; i++) {
      const y = box.top + src[i];
      if (y < 0 || y >= height) continue;
      for (let j = 0; j < s; j++) {
        const x = box.left + src[j];
        if (x >= 0 && x < width && previous[y * width + x]) out[5 * plane + i * s + j] = 1;
      }
    }
  }
  return out;
}

/**
 * The crop's [S, S] logits pasted back into the image-sized 0/1 mask (the previous one outside the
 * box), written into `into` when given (not `previous` itself), else a new array.
 */
export function pasteBack(
  logits: Float32Array,
  size: number,
  box: CropBox,
  width: number,
  height: number,
  previous: ArrayLike<number> | undefined,
  threshold: number,
  into?: Uint8Array,
): Uint8Array {
  const mask = into ?? new Uint8Array(width * height);
  if (previous) for (let i = 0; i < mask.length; i++) mask[i] = previous[i] ? 1 : 0;
  else if (into) mask.fill(0);
  const scale = size / box.side;
  const [x0, x1, y0, y1] = [Math.max(box.left, 0), Math.min(box.left + box.side, width), Math.max(box.top, 0), Math.min(box.top + box.side, height)];
  // Taps of image pixels first..end-1 (from the box's edge at `origin`): two crop pixels and the weight, computed once per column and row.
  const taps = (first: number, end: number, origin: number) => {
    const n = Math.max(end - first, 0);
    const lo = new Int32Array(n);
    const hi = new Int32Array(n);
    const w = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const c = Math.min(Math.max((first + k + 0.5 - origin) * scale - 0.5, 0), size - 1);
      lo[k] = Math.floor(c);
      hi[k] = Math.min(lo[k] + 1, size - 1);
      w[k] = c - lo[k];
    }
    return { lo, hi, w };
  };
  const cols = taps(x0, x1, box.left);
  const rows = taps(y0, y1, box.top);
  for (let y = y0; y < y1; y++) {
    const r0 = rows.lo[y - y0] * size,
      r1 = rows.hi[y - y0] * size,
      wy = rows.w[y - y0];
    for (let x = x0; x < x1; x++) {
      const lo = cols.lo[x - x0],
        hi = cols.hi[x - x0],
        wx = cols.w[x - x0];
      const top = logits[r0 + lo] * (1 - wx) + logits[r0 + hi] * wx;
      const bottom = logits[r1 + lo] * (1 - wx) + logits[r1 + hi] * wx;
      mask[y * width + x] = top * (1 - wy) + bottom * wy > threshold ? 1 : 0;
    }
  }
  return mask;
}

/**
 * The clicked pixels take their clicks' labels, then the selected pixels without a 4-connected path
 * to a positive click are cleared. Every selected pixel lies in `box` (it holds the clicks and the
 * previous mask, and the model writes nowhere else), so the walk stays there.
 */
export function respectClicks(mask: Uint8Array, width: number, height: number, clicks: readonly PixelClick[], box: CropBox): void {
  for (const c of clicks) mask[c.y * width + c.x] = c.positive ? 1 : 0;
  const [x0, x1, y0, y1] = [Math.max(box.left, 0), Math.min(box.left + box.side, width), Math.max(box.top, 0), Math.min(box.top + box.side, height)];
  const w = x1 - x0;
  const reached = new Uint8Array(w * (y1 - y0));
  const queue = new Int32Array(reached.length);
  let tail = 0;
  const visit = (x: number, y: number) => {
    const k = (y - y0) * w + (x - x0);
    if (mask[y * width + x] && !reached[k]) {
      reached[k] = 1;
      queue[tail++] = k;
    }
  };
  for (const c of clicks) if (c.positive) visit(c.x, c.y);
  for (let head = 0; head < tail; head++) {
    const x = x0 + (queue[head] % w);
    const y = y0 + Math.floor(queue[head] / w);
    if (x > x0) visit(x - 1, y);
    if (x + 1 < x1) visit(x + 1, y);
    if (y > y0) visit(x, y - 1);
    if (y + 1 < y1) visit(x, y + 1);
  }
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (!reached[(y - y0) * w + (x - x0)]) mask[y * width + x] = 0;
}

/** A click model's "embeddings": the normalised image itself (no encoder runs). */
export function clickEmbeddings(card: ClicksCard, image: RgbImage): Embeddings {
  const { width, height } = image;
  return { width, height, tensors: { [card.input.name]: { data: normalisedPlanes(card, image), dims: [1, 3, height, width] } } };
}

/** Checks the model file's tensors against the card. */
export function checkClicksIo(card: ClicksCard, cardPath: string, io: SessionIo): void {
  const names = (list: { name: string }[]) => list.map((t) => t.name).join(', ');
  if (io.inputs.length !== 1 || io.inputs[0].name !== card.input.name)
    throw new ConfigError(cardPath, `input.name: ${card.model.file} should have the one input "${card.input.name}" (it has ${names(io.inputs)})`);
  if (!io.outputs.some((t) => t.name === card.output.name))
    throw new ConfigError(cardPath, `output.name: ${card.model.file} has no output "${card.output.name}" (it has ${names(io.outputs)})`);
}

/** The clicks of a prompt as pixels; boxes are refused (the model was trained on clicks). */
function pixelClicks(prompt: Prompt, width: number, height: number, source: string): PixelClick[] {
  if (prompt.box) throw new ConfigError(source, 'a click model takes points, not a box');
  if (prompt.points.length === 0) throw new ConfigError(source, 'a prompt needs at least one point');
  return prompt.points.map((p) => {
    if (!(Number.isFinite(p.x) && Number.isFinite(p.y) && p.x >= 0 && p.y >= 0 && p.x <= width && p.y <= height))
      throw new ConfigError(source, `point (${p.x}, ${p.y}) is outside the ${width}x${height} image`);
    return { x: Math.min(Math.floor(p.x), width - 1), y: Math.min(Math.floor(p.y), height - 1), positive: p.positive };
  });
}

/**
 * One prompt on a click model. `previous`: the image-sized 0/1 mask being refined (a candidate's
 * `lowRes`, which is its mask), or undefined. One candidate; its score is the mean probability of
 * its crop pixels. `into`: an image-sized buffer for the mask (not `previous`), so that a caller
 * keeping only the last answer allocates nothing image-sized per click.
 */
export async function decodeClicks(
  card: ClicksCard,
  model: MultiSession,
  embeddings: Embeddings,
  prompt: Prompt,
  previous: PreviousMask | undefined,
  source: string,
  into?: Uint8Array,
): Promise<Selection> {
  const { width, height } = embeddings;
  const clicks = pixelClicks(prompt, width, height, source);
  if (previous && previous.length !== width * height)
    throw new DataError(source, `the previous mask has ${previous.length} values, expected ${width}x${height}`);
  if (into && (into.length !== width * height || into === previous))
    throw new Error(`the output mask must be a ${width}x${height} buffer other than the previous mask`);
  const box = cropBox(clicks, previous, width, card.crop);
  const s = card.crop.size;
  const data = clickModelInput(card, embeddings.tensors[card.input.name].data, width, height, clicks, previous, box);
  const out = (await model.run({ [card.input.name]: { type: 'float32', data, dims: [1, 6, s, s] } }, [card.output.name]))[card.output.name];
  if (out.dims.join() !== [1, 1, s, s].join())
    throw new DataError(card.model.file, `output "${card.output.name}" has shape [${out.dims.join(', ')}], expected [1, 1, ${s}, ${s}]`);
  const mask = pasteBack(out.data, s, box, width, height, previous, card.output.threshold, into);
  if (card.output.respectClicks) respectClicks(mask, width, height, clicks, box);
  let sum = 0,
    n = 0;
  for (const logit of out.data)
    if (logit > card.output.threshold) {
      sum += 1 / (1 + Math.exp(-logit));
      n++;
    }
  return { width, height, candidates: [{ mask, score: n ? sum / n : 0, lowRes: mask }] };
}
