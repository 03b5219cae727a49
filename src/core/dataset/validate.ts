/**
 * Validation: the pass that opens files. Each mask is decoded and each labeled image's size is
 * read from its header only; entries with a broken mask are marked 'invalid'.
 */
import { errorDetail, type Problem } from '../errors';
import type { FileSystem } from '../fileSystem';
import { decodeMask } from '../mask/codec';
import { readImageSize, type ImageSize } from '../mask/imageSize';
import { countUnknownValues } from '../mask/values';
import { joinPath } from '../paths';
import type { DatasetIndex, ImageEntry } from './types';
import { forEachLimited, type ProgressOptions } from './forEachLimited';

/** JPEG sizes sit after the metadata segments; 64 KiB covers typical EXIF blocks. */
const IMAGE_HEAD_BYTES = 64 * 1024;
/** Width and height from the image's header, reading the whole file when the head is not enough. */
export async function readImageFileSize(fs: FileSystem, path: string): Promise<ImageSize> {
  const head = await fs.readHead(path, IMAGE_HEAD_BYTES);
  try {
    return readImageSize(head, path);
  } catch (err) {
    if (head.length < IMAGE_HEAD_BYTES) throw err;
    return readImageSize(await fs.readFile(path), path);
  }
}

async function validateEntry(fs: FileSystem, index: DatasetIndex, entry: ImageEntry): Promise<Problem[]> {
  if (entry.mask === undefined) return [];
  const { config, root } = index;
  const maskPath = joinPath(root, entry.mask);
  const imagePath = joinPath(root, entry.image);
  let mask;
  try {
    mask = decodeMask(await fs.readFile(maskPath), { path: maskPath, classes: config.classes, ignoreIndex: config.ignoreIndex });
  } catch (err) {
    return [{ path: maskPath, kind: 'unreadable-mask', message: errorDetail(err) }];
  }
  const problems: Problem[] = [];
  try {
    const size = await readImageFileSize(fs, imagePath);
    if (size.width !== mask.width || size.height !== mask.height) {
      problems.push({
        path: maskPath,
        kind: 'size-mismatch',
        message: `mask is ${mask.width}x${mask.height} but its image ${entry.image} is ${size.width}x${size.height}`,
      });
    }
  } catch (err) {
    problems.push({ path: imagePath, kind: 'unreadable-image', message: errorDetail(err) });
  }
  const unknown = countUnknownValues(mask, config.classes, config.ignoreIndex);
  if (unknown.size > 0) {
    const counts = [...unknown].map(([value, n]) => `${value} (${n} px)`).join(', ');
    problems.push({ path: maskPath, kind: 'unknown-values', message: `values that are no class id nor the ignore index ${config.ignoreIndex}: ${counts}` });
  }
  return problems;
}

/**
 * Validates every labeled entry: marks broken ones 'invalid', appends their Problems to
 * `index.problems` and returns the new Problems (in index order).
 */
export async function validateDataset(fs: FileSystem, index: DatasetIndex, options: ProgressOptions = {}): Promise<Problem[]> {
  const found = new Map<ImageEntry, Problem[]>();
  await forEachLimited(
    index.images,
    async (entry) => {
      const problems = await validateEntry(fs, index, entry);
      if (problems.length > 0) found.set(entry, problems);
    },
    options,
  );
  const added: Problem[] = [];
  for (const entry of index.images) {
    const problems = found.get(entry);
    if (!problems) continue;
    entry.status = 'invalid';
    added.push(...problems);
  }
  index.problems.push(...added);
  return added;
}
