import { detectDataset } from '../core/dataset/detect';
import type { DatasetConfig } from '../core/dataset/types';
import { DataError } from '../core/errors';
import type { FileSystem } from '../core/fileSystem';
import { baseName, dirName, extensionOf, isInside, joinPath, stemOf } from '../core/paths';

/** Where an image's dataset and mask are: everything the editor needs besides the pixels. */
export interface ImageContext {
  imagePath: string;
  root: string;
  config: DatasetConfig;
  /** `<root>/<masksDir>/<stem>.png`, whether or not it exists yet. */
  maskPath: string;
}

/** Dataset roots sit at most this many folders above an image (e.g. root/JPEGImages/a/b/x.jpg). */
const MAX_LEVELS = 6;

/** Walks up from the image to the nearest dataset root; throws a DataError naming the image if none. */
export async function findImageContext(fs: FileSystem, imagePath: string): Promise<ImageContext> {
  let folder = dirName(imagePath);
  for (let level = 0; level < MAX_LEVELS; level++) {
    const detection = await detectDataset(fs, folder).catch((error: unknown) => {
      // A broken seglab.json/labelmap.txt is this dataset's problem: report it, do not skip past
      // it. An unreadable folder on the way up is not a dataset.
      if (error instanceof DataError && error.path !== folder) throw error;
      return undefined;
    });
    if (detection) {
      const { config } = detection;
      const maskPath = joinPath(folder, config.masksDir, `${stemOf(baseName(imagePath))}.png`);
      // Painting a mask or a prediction "as an image" would edit a label over its own picture.
      if (maskPath === imagePath) throw new DataError(imagePath, `is a mask of the dataset at ${folder}, not an image: open its image instead`);
      if (isInside(imagePath, joinPath(folder, config.predictionsDir)))
        throw new DataError(imagePath, `is a prediction of the dataset at ${folder}, not an image`);
      return { imagePath, root: folder, config, maskPath };
    }
    const parent = dirName(folder);
    if (parent === folder) break;
    folder = parent;
  }
  throw new DataError(imagePath, 'not inside a SegLab dataset (no seglab.json, images/ + masks/, or VOC/CVAT folders above it)');
}

/**
 * Why "Save As" must not write the mask to `path`, or undefined when it may: masks are PNGs, and
 * one written among the dataset's images (the dialog proposes the image itself) would destroy or
 * shadow an image.
 */
export function saveAsProblem(context: ImageContext, path: string): string | undefined {
  if (extensionOf(path) !== 'png') return `${path}: a mask is saved as a PNG; choose a file name ending in .png`;
  if (path === context.imagePath) return `${path} is the image being labeled; choose another file for its mask`;
  const { root, config } = context;
  const images = joinPath(root, config.imagesDir);
  if (isInside(path, images) && !isInside(path, joinPath(root, config.masksDir))) {
    return `${path} is in the dataset's images folder (${images}), where a mask would be read as an image; choose another folder`;
  }
  return undefined;
}
