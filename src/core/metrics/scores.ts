import type { ClassDef } from '../classes';
import type { ConfusionMatrix } from './confusion';

export interface ClassScore {
  id: number;
  name: string;
  /** intersection / union; null when the class is absent from both sides. */
  iou: number | null;
  /** intersection / gtPixels; null when the class is absent from the ground truth. */
  accuracy: number | null;
  intersection: number;
  union: number;
  gtPixels: number;
  predPixels: number;
}

export interface Scores {
  /** Mean of the non-null IoUs; null when there are none. */
  miou: number | null;
  /** Correct pixels / counted pixels; null when no pixel was counted. */
  pixelAccuracy: number | null;
  /** Mean of the non-null class accuracies. */
  meanAccuracy: number | null;
  /** Counted pixels: not ignored, with a ground truth in [0, C). */
  pixels: number;
  ignoredPixels: number;
  /** Ground-truth values that are neither a class nor the ignore index (skipped). */
  unknownGtPixels: number;
  classes: ClassScore[];
}

/**
 * Scores from a confusion matrix, dataset-level (one matrix over all images) or per image
 * (one matrix per image). Class names come from `classes` by id, else `class_<id>`.
 */
export function computeScores(cm: ConfusionMatrix, classes?: readonly ClassDef[]): Scores {
  const c = cm.numClasses;
  const names = new Map((classes ?? []).map((d) => [d.id, d.name]));
  const predPixels = new Float64Array(c);
  for (let g = 0; g < c; g++) for (let p = 0; p < c; p++) predPixels[p] += cm.at(g, p);
  const scores: ClassScore[] = [];
  let pixels = 0;
  let correct = 0;
  for (let id = 0; id < c; id++) {
    let gtPixels = 0;
    for (let p = 0; p <= c; p++) gtPixels += cm.at(id, p);
    const intersection = cm.at(id, id);
    const union = gtPixels + predPixels[id] - intersection;
    pixels += gtPixels;
    correct += intersection;
    scores.push({
      id,
      name: names.get(id) ?? `class_${id}`,
      iou: union > 0 ? intersection / union : null,
      accuracy: gtPixels > 0 ? intersection / gtPixels : null,
      intersection,
      union,
      gtPixels,
      predPixels: predPixels[id],
    });
  }
  return {
    miou: mean(scores.map((s) => s.iou)),
    pixelAccuracy: pixels > 0 ? correct / pixels : null,
    meanAccuracy: mean(scores.map((s) => s.accuracy)),
    pixels,
    ignoredPixels: cm.ignoredPixels,
    unknownGtPixels: cm.unknownGtPixels,
    classes: scores,
  };
}

function mean(values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length > 0 ? present.reduce((a, b) => a + b, 0) / present.length : null;
}
