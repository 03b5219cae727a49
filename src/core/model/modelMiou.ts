/**
 * SegLab's own mIoU of a model on labeled images, without writing predictions: each image is
 * predicted in memory and counted against its mask into one confusion matrix, scored as
 * `seglab miou` scores (core/metrics). "Train as you label" measures two models with it on the
 * same val images.
 */
import { numClassesOf } from '../classes';
import type { DatasetIndex, ImageEntry } from '../dataset/types';
import { DataError } from '../errors';
import type { FileSystem } from '../fileSystem';
import { decodeMask } from '../mask/codec';
import { ConfusionMatrix } from '../metrics/confusion';
import { computeScores } from '../metrics/scores';
import { joinPath } from '../paths';
import { decodeImage } from './image';
import type { LoadedModel } from './load';
import { predict } from './pipeline';

/** Dataset-level mIoU of `loaded` on the labeled `entries`; null when no pixel was scored. */
export async function modelMiou(
  fs: FileSystem,
  index: DatasetIndex,
  entries: readonly ImageEntry[],
  loaded: LoadedModel,
  signal?: AbortSignal,
): Promise<number | null> {
  const { classes, ignoreIndex } = index.config;
  const cm = new ConfusionMatrix(numClassesOf(classes), ignoreIndex);
  for (const entry of entries) {
    if (entry.mask === undefined) continue;
    const imagePath = joinPath(index.root, entry.image);
    const maskPath = joinPath(index.root, entry.mask);
    const image = await decodeImage(await fs.readFile(imagePath), imagePath);
    const prediction = await predict(image, loaded.model, loaded.backend, { signal });
    const gt = decodeMask(await fs.readFile(maskPath), { path: maskPath, classes, ignoreIndex });
    if (gt.width !== prediction.width || gt.height !== prediction.height) {
      throw new DataError(
        maskPath,
        `is ${gt.width}x${gt.height} but ${loaded.model.name}'s prediction of its image is ${prediction.width}x${prediction.height}`,
      );
    }
    cm.accumulate(gt.data, prediction.labels);
  }
  return computeScores(cm, classes).miou;
}
