/**
 * "Pre-label Image": a prediction becomes one reversible mask edit (a MaskDelta over the
 * bounding rectangle of the changed pixels). By default only unlabeled pixels (background or
 * ignore) are filled; `replace: true` overwrites labels too. Pixels whose confidence is below
 * the threshold are never changed, so the person decides them.
 */
import { makeDelta, rectPixels, type MaskDelta } from '../editing/delta';
import type { PixelGrid, Rect } from '../editing/grid';

export interface ApplyPredictionOptions {
  /** Values that count as unlabeled (e.g. the background id and the ignore index). */
  unlabeledValues: readonly number[];
  /** Overwrite labeled pixels too (default false). */
  replace?: boolean;
  /** 0-255: pixels with a lower confidence stay as they are (default 0: all change). */
  minConfidence?: number;
  /** A predicted value that changes nothing: the ignore index, where a model class the dataset lacks was predicted. */
  unlabeledPrediction?: number;
}

export interface PredictionEdit {
  delta: MaskDelta;
  changedPixels: number;
}

/** The edit that applies `labels` to `mask`; undefined when no pixel would change. */
export function predictionEdit(mask: PixelGrid, labels: Uint8Array, confidence: Uint8Array, options: ApplyPredictionOptions): PredictionEdit | undefined {
  const { width, height, data } = mask;
  if (labels.length !== width * height || confidence.length !== labels.length) {
    throw new Error(`prediction is ${labels.length} pixels, the mask ${width}x${height}`);
  }
  const unlabeled = new Uint8Array(256);
  for (const v of options.unlabeledValues) unlabeled[v] = 1;
  const min = options.minConfidence ?? 0;
  const replace = options.replace ?? false;
  const after = new Uint8Array(data);
  const rect: Rect = { x0: width, y0: height, x1: 0, y1: 0 };
  let changed = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0, i = y * width; x < width; x++, i++) {
      if (labels[i] === data[i] || labels[i] === options.unlabeledPrediction || confidence[i] < min || (!replace && !unlabeled[data[i]])) continue;
      after[i] = labels[i];
      changed++;
      if (x < rect.x0) rect.x0 = x;
      if (x >= rect.x1) rect.x1 = x + 1;
      if (y < rect.y0) rect.y0 = y;
      rect.y1 = y + 1;
    }
  }
  if (changed === 0) return undefined;
  return { delta: makeDelta(rect, rectPixels(mask, rect), rectPixels({ width, height, data: after }, rect)), changedPixels: changed };
}
