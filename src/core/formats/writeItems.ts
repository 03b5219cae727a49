/** The loop every exporter shares: items a few at a time, masks loaded with their failures reported. */
import { DataError, type Problem } from '../errors';
import { forEachLimited, type ProgressOptions } from '../dataset/forEachLimited';
import type { Mask } from '../mask/codec';
import type { LabelItem } from './source';

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
