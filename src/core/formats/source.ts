/**
 * What every importer produces and every exporter consumes: a dataset as classes plus items
 * whose label maps load on demand. Importers validate their annotation files up front (throwing
 * DataError naming the file and the annotation) so an export never starts from a bad source;
 * what can only be found by reading an item (an undecodable PNG) is thrown by `mask()` and
 * reported per file.
 */
import type { ClassDef } from '../classes';
import type { Problem } from '../errors';
import type { FileSystem } from '../fileSystem';
import type { DatasetIndex } from '../dataset/types';
import { decodeMask, type Mask } from '../mask/codec';
import { baseName, joinPath } from '../paths';

export interface LabelItem {
  /** Pairs the image with its mask in the written dataset. */
  stem: string;
  /** Absolute path of the image file, copied as it is. */
  image: string;
  /** The image's file name in the written dataset (its stem plus the image's extension). */
  imageName: string;
  splits: string[];
  /** The label map (row-major class ids); absent for unlabeled images. */
  mask?: () => Promise<Mask>;
  /** Prediction masks carried over between native layouts: model name -> absolute path. */
  predictions?: Record<string, string>;
}

export interface LabelSource {
  name: string;
  classes: ClassDef[];
  ignoreIndex: number;
  /** Split names, in order. */
  splits: string[];
  items: LabelItem[];
  /** Found while reading the source; reported with the conversion's own. */
  problems: Problem[];
}

/** A dataset in one of SegLab's own layouts (VOC, CVAT, plain, seglab.json) as a source. */
export function indexSource(fs: FileSystem, index: DatasetIndex): LabelSource {
  const { config, root } = index;
  const items = index.images.map((entry): LabelItem => {
    const maskPath = entry.mask === undefined ? undefined : joinPath(root, entry.mask);
    return {
      stem: entry.stem,
      image: joinPath(root, entry.image),
      imageName: baseName(entry.image),
      splits: entry.splits,
      mask: maskPath === undefined ? undefined : (async () => decodeMask(await fs.readFile(maskPath), { path: maskPath, classes: config.classes, ignoreIndex: config.ignoreIndex })),
      predictions: Object.fromEntries(entry.predictions.map((m) => [m, joinPath(root, `${config.predictionsDir}/${m}/${entry.stem}.png`)])),
    };
  });
  return { name: config.name, classes: config.classes, ignoreIndex: config.ignoreIndex, splits: Object.keys(config.splits), items, problems: [...index.problems] };
}
