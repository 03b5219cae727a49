/** Images ranked worst first by their own scores, optionally for one class only. */
import type { ClassDef } from '../classes';
import type { ConfusionMatrix } from './confusion';
import { computeScores } from './scores';

export interface RankedImage {
  name: string;
  miou: number | null;
  pixelAccuracy: number | null;
  /** IoU of each class id in this image (null: absent from label and prediction). */
  classIou: Array<number | null>;
}

/** Per-image scores for every image of `perImage` (in its order). */
export function imageScores(perImage: ReadonlyMap<string, ConfusionMatrix>, classes: readonly ClassDef[]): RankedImage[] {
  return [...perImage].map(([name, cm]) => {
    const s = computeScores(cm, classes);
    return { name, miou: s.miou, pixelAccuracy: s.pixelAccuracy, classIou: s.classes.map((c) => c.iou) };
  });
}

export interface RankOptions {
  /** Rank by this class's IoU, keeping only images where the class appears. */
  classId?: number;
  /** Only these images (a split). */
  names?: ReadonlySet<string>;
  limit?: number;
}

/** Worst first; images without any score go last; ties keep name order. */
export function rankWorst(images: readonly RankedImage[], { classId, names, limit }: RankOptions = {}): RankedImage[] {
  const key = (i: RankedImage) => (classId === undefined ? i.miou : (i.classIou[classId] ?? null));
  const kept = images.filter((i) => (names === undefined || names.has(i.name)) && (classId === undefined || key(i) !== null));
  kept.sort((a, b) => (key(a) ?? 2) - (key(b) ?? 2) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return limit === undefined ? kept : kept.slice(0, limit);
}
