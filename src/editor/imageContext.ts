import { detectDataset } from '../core/dataset/detect';
import type { DatasetConfig } from '../core/dataset/types';
import { DataError } from '../core/errors';
import type { FileSystem } from '../core/fileSystem';
import { baseName, dirName, joinPath, stemOf } from '../core/paths';

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
      return { imagePath, root: folder, config, maskPath: joinPath(folder, config.masksDir, `${stemOf(baseName(imagePath))}.png`) };
    }
    const parent = dirName(folder);
    if (parent === folder) break;
    folder = parent;
  }
  throw new DataError(imagePath, 'not inside a SegLab dataset (no seglab.json, images/ + masks/, or VOC/CVAT folders above it)');
}
