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
import { DataError } from '../errors';
import { decodeMask, type Mask } from '../mask/codec';
import { readImageSize } from '../mask/imageSize';
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
      mask:
        maskPath === undefined
          ? undefined
          : async () => decodeMask(await fs.readFile(maskPath), { path: maskPath, classes: config.classes, ignoreIndex: config.ignoreIndex }),
      predictions: Object.fromEntries(entry.predictions.map((m) => [m, joinPath(root, `${config.predictionsDir}/${m}/${entry.stem}.png`)])),
    };
  });
  return {
    name: config.name,
    classes: config.classes,
    ignoreIndex: config.ignoreIndex,
    splits: Object.keys(config.splits),
    items,
    problems: [...index.problems],
  };
}

/** Enough of a JPEG's head for its size after EXIF (as the dataset validation reads). */
const HEAD_BYTES = 64 * 1024;

export async function imageSizeOf(fs: FileSystem, image: string): Promise<{ width: number; height: number }> {
  return readImageSize(await fs.readHead(image, HEAD_BYTES), image);
}

/** Throws DataError naming the image unless it is width x height, as `claim` (the label's file and id) says. */
export async function expectImageSize(fs: FileSystem, image: string, width: number, height: number, claim: string): Promise<void> {
  const size = await imageSizeOf(fs, image);
  if (size.width !== width || size.height !== height) {
    throw new DataError(image, `is ${size.width} x ${size.height} but ${claim} is ${width} x ${height}`);
  }
}

/**
 * The image's own size, and its mask when the two agree: an exporter writes a mask of another size
 * (a dataset problem) nowhere, and never gives the image the mask's size. The problem names the image.
 */
export function maskOfImageSize(item: LabelItem, imageBytes: Uint8Array, mask: Mask | undefined, format: string): MaskForImage {
  const size = readImageSize(imageBytes, item.image);
  if (!mask || (mask.width === size.width && mask.height === size.height)) return { size, mask };
  const message = `is ${size.width}x${size.height} but its mask is ${mask.width}x${mask.height}; mask left out of the ${format} annotations`;
  return { size, mask: undefined, problem: { path: item.image, kind: 'size-mismatch', message } };
}

export interface MaskForImage {
  size: { width: number; height: number };
  mask: Mask | undefined;
  problem?: Problem;
}

/** Sorted names of the files or folders in `folder` (hidden ones left out); [] when it does not exist. */
export async function listNames(fs: FileSystem, folder: string, type: 'file' | 'directory'): Promise<string[]> {
  if ((await fs.stat(folder))?.type !== 'directory') return [];
  const names = (await fs.readDirectory(folder)).filter(([n, t]) => t === type && !n.startsWith('.')).map(([n]) => n);
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
