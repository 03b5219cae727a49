/** The loop every exporter shares: items a few at a time, masks loaded with their failures reported. */
import { DataError, type Problem } from '../errors';
import { forEachLimited, type ProgressOptions } from '../dataset/forEachLimited';
import type { FileSystem } from '../fileSystem';
import type { Mask } from '../mask/codec';
import { joinPath } from '../paths';
import { maskOfImageSize, type LabelItem, type LabelSource } from './source';

export interface ConvertResult {
  images: number;
  masks: number;
  /** Masks that could not be read or written (their images are still copied). */
  problems: Problem[];
}

/**
 * Runs `write` for each item with its label map (undefined for unlabeled images). A mask that
 * fails to load becomes a problem naming its file, and the item is written without it.
 */
export async function writeItems(
  items: readonly LabelItem[],
  write: (item: LabelItem, mask: Mask | undefined) => Promise<void>,
  options: ProgressOptions,
): Promise<ConvertResult> {
  const result: ConvertResult = { images: 0, masks: 0, problems: [] };
  await forEachLimited(
    items,
    async (item) => {
      let mask: Mask | undefined;
      try {
        mask = await item.mask?.();
      } catch (err) {
        if (!(err instanceof DataError)) throw err;
        result.problems.push({ path: err.path, kind: 'unreadable-mask', message: `${err.detail}; mask not converted` });
      }
      await write(item, mask);
      result.images++;
      if (mask) result.masks++;
    },
    options,
  );
  return result;
}

/**
 * The loop of the exporters that copy each image into `dst/images` and describe its labels beside it
 * (COCO, Label Studio). `describe` gets the image's own size and its mask (undefined when unlabeled,
 * or when the mask's size differs: that is reported) and returns the mask values that are no class,
 * which are reported too.
 */
export async function exportWithImages(
  fs: FileSystem,
  source: LabelSource,
  dst: string,
  format: string,
  describe: (item: LabelItem, mask: Mask | undefined, size: { width: number; height: number }) => number[],
  options: ProgressOptions,
): Promise<ConvertResult> {
  await fs.createDirectory(joinPath(dst, 'images'));
  const sizeMismatches: Problem[] = [];
  const unknownValues: Array<[LabelItem, number[]]> = [];
  const result = await writeItems(
    source.items,
    async (item, labels) => {
      const bytes = await fs.readFile(item.image);
      await fs.writeFileAtomic(joinPath(dst, 'images', item.imageName), bytes);
      const { size, mask, problem } = maskOfImageSize(item, bytes, labels, format);
      if (problem) sizeMismatches.push(problem);
      const unknown = describe(item, mask, size);
      if (unknown.length > 0) unknownValues.push([item, unknown]);
    },
    options,
  );
  result.masks -= sizeMismatches.length;
  result.problems.push(...sizeMismatches);
  for (const [item, values] of unknownValues) {
    result.problems.push({
      path: item.image,
      kind: 'unknown-values',
      message: `mask values ${values.join(', ')} are no class; left out of the ${format} annotations`,
    });
  }
  return result;
}
