/**
 * Writing a dataset in another layout. Images are copied, masks decoded and re-encoded as
 * indexed PNGs (values unchanged, palette = class colours), predictions copied. Whatever the
 * target layout cannot express (class names and colours outside VOC's, ids that are not 0..n-1
 * for labelmap.txt, another ignore index) goes into a seglab.json, so nothing is lost.
 */
import { defaultClasses, formatLabelmap, type ClassDef } from '../classes';
import { DataError, errorDetail, type Problem } from '../errors';
import type { FileSystem } from '../fileSystem';
import { decodeMask, encodeMask } from '../mask/codec';
import { baseName, joinPath } from '../paths';
import { CONFIG_FILE, configToJson } from './config';
import type { DatasetConfig, DatasetIndex } from './types';
import { forEachLimited, type ProgressOptions } from './forEachLimited';

export type TargetLayout = 'voc' | 'cvat' | 'plain';
export const TARGET_LAYOUTS: readonly TargetLayout[] = ['voc', 'cvat', 'plain'];

export interface ConvertResult {
  images: number;
  masks: number;
  /** Masks that could not be decoded (their images are still copied). */
  problems: Problem[];
}

const sameClasses = (a: readonly ClassDef[], b: readonly ClassDef[]) =>
  a.length === b.length && a.every((c, i) => c.id === b[i].id && c.name === b[i].name && c.color.join() === b[i].color.join());

/** The target's config, and whether its layout alone (without seglab.json) would say as much. */
function targetConfig(config: DatasetConfig, to: TargetLayout): { config: DatasetConfig; needsJson: boolean } {
  const splitsDir = to === 'plain' ? 'splits' : 'ImageSets/Segmentation';
  const splitNames = Object.keys(config.splits);
  // A CVAT export always lists its images; `default` is CVAT's name for the one subset.
  if (to === 'cvat' && splitNames.length === 0) splitNames.push('default');
  const target: DatasetConfig = {
    ...config,
    imagesDir: to === 'plain' ? 'images' : 'JPEGImages',
    masksDir: to === 'plain' ? 'masks' : 'SegmentationClass',
    predictionsDir: 'predictions',
    splits: Object.fromEntries(splitNames.map((s) => [s, `${splitsDir}/${s}.txt`])),
  };
  const classes = config.classes;
  const expressible =
    config.ignoreIndex === 255 &&
    (to === 'voc' ? sameClasses(classes, defaultClasses()) : to === 'cvat' && classes.every((c, i) => c.id === i));
  return { config: target, needsJson: !expressible };
}

/** Throws DataError unless `dst` is missing or an empty folder. */
export async function ensureEmptyFolder(fs: FileSystem, dst: string): Promise<void> {
  const st = await fs.stat(dst);
  if (st && (st.type !== 'directory' || (await fs.readDirectory(dst)).length > 0)) {
    throw new DataError(dst, 'already exists and is not an empty folder; convert writes into a new folder');
  }
}

const text = (s: string) => new TextEncoder().encode(s);

export async function convertDataset(
  fs: FileSystem,
  index: DatasetIndex,
  dst: string,
  to: TargetLayout,
  options: ProgressOptions = {},
): Promise<ConvertResult> {
  await ensureEmptyFolder(fs, dst);
  const src = index.config;
  const { config, needsJson } = targetConfig(src, to);
  const models = [...new Set(index.images.flatMap((e) => e.predictions))];
  for (const dir of [config.imagesDir, config.masksDir, ...models.map((m) => `${config.predictionsDir}/${m}`)]) {
    await fs.createDirectory(joinPath(dst, dir));
  }

  const result: ConvertResult = { images: 0, masks: 0, problems: [] };
  const copy = async (from: string, to: string) => fs.writeFileAtomic(joinPath(dst, to), await fs.readFile(joinPath(index.root, from)));
  await forEachLimited(
    index.images,
    async (entry) => {
      await copy(entry.image, `${config.imagesDir}/${baseName(entry.image)}`);
      result.images++;
      for (const model of entry.predictions) {
        await copy(`${src.predictionsDir}/${model}/${entry.stem}.png`, `${config.predictionsDir}/${model}/${entry.stem}.png`);
      }
      if (entry.mask === undefined) return;
      const path = joinPath(index.root, entry.mask);
      let bytes: Uint8Array;
      try {
        const mask = decodeMask(await fs.readFile(path), { path, classes: src.classes, ignoreIndex: src.ignoreIndex });
        bytes = encodeMask(mask, src.classes, src.ignoreIndex);
      } catch (err) {
        const message = `${errorDetail(err)}; mask not converted`;
        result.problems.push({ path, kind: 'unreadable-mask', message });
        return;
      }
      await fs.writeFileAtomic(joinPath(dst, `${config.masksDir}/${entry.stem}.png`), bytes);
      result.masks++;
    },
    options,
  );

  for (const [split, file] of Object.entries(config.splits)) {
    const all = !(split in src.splits); // cvat's `default` when the source had no splits
    const stems = index.images.filter((e) => all || e.splits.includes(split)).map((e) => e.stem);
    await fs.createDirectory(joinPath(dst, file.slice(0, file.lastIndexOf('/'))));
    await fs.writeFileAtomic(joinPath(dst, file), text(stems.map((s) => `${s}\n`).join('')));
  }
  if (to === 'cvat') await fs.writeFileAtomic(joinPath(dst, 'labelmap.txt'), text(formatLabelmap(src.classes)));
  if (to === 'plain' || needsJson) await fs.writeFileAtomic(joinPath(dst, CONFIG_FILE), text(configToJson(config)));
  return result;
}
