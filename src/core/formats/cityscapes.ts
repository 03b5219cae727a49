/**
 * Cityscapes: leftImg8bit/<split>/<city>/<city>_<seq>_<frame>_leftImg8bit.png and
 * gtFine/<split>/<city>/<same>_gtFine_labelIds.png. In, the 34 label ids become the 19 train ids
 * of the benchmark (cityscapesScripts' labels.py) and every other id 255 (ignore); a
 * *_gtFine_labelTrainIds.png is read as it is when there is no labelIds file. Splits are the
 * folder names. Out, the same layout with *_gtFine_labelTrainIds.png holding the mask values.
 */
import type { ClassDef } from '../classes';
import { ensureEmptyFolder } from '../dataset/convert';
import type { ProgressOptions } from '../dataset/forEachLimited';
import { DataError } from '../errors';
import type { FileSystem } from '../fileSystem';
import { decodeMask, encodeMask } from '../mask/codec';
import { extensionOf, joinPath } from '../paths';
import { remapMask, valueTable } from './remap';
import { expectImageSize, listNames, type LabelItem, type LabelSource } from './source';
import { writeItems, type ConvertResult } from './writeItems';

const IGNORE = 255;

/** [train id, name, colour, label id] of the 19 evaluated classes. */
const TRAIN_CLASSES: Array<[string, ClassDef['color'], number]> = [
  ['road', [128, 64, 128], 7],
  ['sidewalk', [244, 35, 232], 8],
  ['building', [70, 70, 70], 11],
  ['wall', [102, 102, 156], 12],
  ['fence', [190, 153, 153], 13],
  ['pole', [153, 153, 153], 17],
  ['traffic light', [250, 170, 30], 19],
  ['traffic sign', [220, 220, 0], 20],
  ['vegetation', [107, 142, 35], 21],
  ['terrain', [152, 251, 152], 22],
  ['sky', [70, 130, 180], 23],
  ['person', [220, 20, 60], 24],
  ['rider', [255, 0, 0], 25],
  ['car', [0, 0, 142], 26],
  ['truck', [0, 0, 70], 27],
  ['bus', [0, 60, 100], 28],
  ['train', [0, 80, 100], 31],
  ['motorcycle', [0, 0, 230], 32],
  ['bicycle', [119, 11, 32], 33],
];

export const CITYSCAPES_CLASSES: readonly ClassDef[] = TRAIN_CLASSES.map(([name, color], id) => ({ id, name, color }));
const LABEL_TO_TRAIN = valueTable(
  TRAIN_CLASSES.map(([, , labelId], trainId) => [labelId, trainId]),
  IGNORE,
);
const TRAIN_IDS = valueTable(
  CITYSCAPES_CLASSES.map((c) => [c.id, c.id]),
  IGNORE,
);

const IMAGE_SUFFIX = '_leftImg8bit';

async function labelFile(fs: FileSystem, folder: string, stem: string): Promise<{ path: string; labelIds: boolean } | undefined> {
  for (const [suffix, labelIds] of [
    ['labelIds', true],
    ['labelTrainIds', false],
  ] as const) {
    const path = joinPath(folder, `${stem}_gtFine_${suffix}.png`);
    if ((await fs.stat(path))?.type === 'file') return { path, labelIds };
  }
  return undefined;
}

export async function readCityscapes(fs: FileSystem, src: string): Promise<LabelSource> {
  const items: LabelItem[] = [];
  const splits = await listNames(fs, joinPath(src, 'leftImg8bit'), 'directory');
  if (splits.length === 0) throw new DataError(src, 'not a Cityscapes folder: expected leftImg8bit/<split>/<city>/ and gtFine/<split>/<city>/');
  for (const split of splits) {
    for (const city of await listNames(fs, joinPath(src, 'leftImg8bit', split), 'directory')) {
      for (const name of await listNames(fs, joinPath(src, 'leftImg8bit', split, city), 'file')) {
        const dot = name.lastIndexOf('.');
        if (!name.slice(0, dot).endsWith(IMAGE_SUFFIX)) continue;
        const stem = name.slice(0, dot - IMAGE_SUFFIX.length);
        const image = joinPath(src, 'leftImg8bit', split, city, name);
        const label = await labelFile(fs, joinPath(src, 'gtFine', split, city), stem);
        items.push({
          stem,
          image,
          imageName: `${stem}.${extensionOf(name)}`,
          splits: [split],
          mask:
            label &&
            (async () => {
              const mask = decodeMask(await fs.readFile(label.path), { path: label.path, classes: CITYSCAPES_CLASSES });
              await expectImageSize(fs, image, mask.width, mask.height, label.path);
              return remapMask(mask, label.labelIds ? LABEL_TO_TRAIN : TRAIN_IDS, label.path, 'a Cityscapes label');
            }),
        });
      }
    }
  }
  return { name: 'cityscapes', classes: [...CITYSCAPES_CLASSES], ignoreIndex: IGNORE, splits, items, problems: [] };
}

/** The item's Cityscapes split: train, val or test when it is in one, else its first split, else train. */
function splitOf(item: LabelItem): string {
  return ['train', 'val', 'test'].find((s) => item.splits.includes(s)) ?? item.splits[0] ?? 'train';
}

/** A Cityscapes stem starts with its city; other stems go into the city "seglab". */
const cityOf = (stem: string) => /^([A-Za-z-]+)_\d+_\d+$/.exec(stem)?.[1] ?? 'seglab';

export async function writeCityscapes(fs: FileSystem, source: LabelSource, dst: string, options: ProgressOptions = {}): Promise<ConvertResult> {
  await ensureEmptyFolder(fs, dst);
  const made = new Set<string>();
  const folder = async (path: string) => {
    if (!made.has(path)) await fs.createDirectory(path);
    made.add(path);
    return path;
  };
  return writeItems(
    source.items,
    async (item, mask) => {
      const at = `${splitOf(item)}/${cityOf(item.stem)}`;
      const images = await folder(joinPath(dst, 'leftImg8bit', at));
      await fs.writeFileAtomic(joinPath(images, `${item.stem}${IMAGE_SUFFIX}.${extensionOf(item.imageName)}`), await fs.readFile(item.image));
      if (!mask) return;
      const labels = await folder(joinPath(dst, 'gtFine', at));
      await fs.writeFileAtomic(joinPath(labels, `${item.stem}_gtFine_labelTrainIds.png`), encodeMask(mask, source.classes, source.ignoreIndex));
    },
    options,
  );
}
