/**
 * Writing a dataset in one of SegLab's own layouts. Images are copied, masks encoded as indexed
 * PNGs (values unchanged, palette = class colours), predictions copied. Whatever the target
 * layout cannot express (class names and colours outside VOC's, ids that are not 0..n-1 for
 * labelmap.txt, another ignore index) goes into a seglab.json, so nothing is lost.
 */
import { defaultClasses, formatLabelmap, type ClassDef } from '../classes';
import { DataError } from '../errors';
import type { FileSystem } from '../fileSystem';
import { indexSource, type LabelSource } from '../formats/source';
import { writeItems, type ConvertResult } from '../formats/writeItems';
import { encodeMask } from '../mask/codec';
import { joinPath } from '../paths';
import { CONFIG_FILE, configToJson } from './config';
import type { ProgressOptions } from './forEachLimited';
import type { DatasetConfig, DatasetIndex } from './types';

export type TargetLayout = 'voc' | 'cvat' | 'plain';
export const TARGET_LAYOUTS: readonly TargetLayout[] = ['voc', 'cvat', 'plain'];

const sameClasses = (a: readonly ClassDef[], b: readonly ClassDef[]) =>
  a.length === b.length && a.every((c, i) => c.id === b[i].id && c.name === b[i].name && c.color.join() === b[i].color.join());

/** The target's config, and whether its layout alone (without seglab.json) would say as much. */
function targetConfig(source: LabelSource, to: TargetLayout): { config: DatasetConfig; needsJson: boolean } {
  const splitsDir = to === 'plain' ? 'splits' : 'ImageSets/Segmentation';
  const splitNames = [...source.splits];
  // A CVAT export always lists its images; `default` is CVAT's name for the one subset.
  if (to === 'cvat' && splitNames.length === 0) splitNames.push('default');
  const config: DatasetConfig = {
    name: source.name,
    classes: source.classes,
    ignoreIndex: source.ignoreIndex,
    imagesDir: to === 'plain' ? 'images' : 'JPEGImages',
    masksDir: to === 'plain' ? 'masks' : 'SegmentationClass',
    predictionsDir: 'predictions',
    splits: Object.fromEntries(splitNames.map((s) => [s, `${splitsDir}/${s}.txt`])),
  };
  const classes = source.classes;
  const expressible =
    source.ignoreIndex === 255 && (to === 'voc' ? sameClasses(classes, defaultClasses()) : to === 'cvat' && classes.every((c, i) => c.id === i));
  return { config, needsJson: !expressible };
}

/** Throws DataError unless `dst` is missing or an empty folder. */
export async function ensureEmptyFolder(fs: FileSystem, dst: string): Promise<void> {
  const st = await fs.stat(dst);
  if (st && (st.type !== 'directory' || (await fs.readDirectory(dst)).length > 0)) {
    throw new DataError(dst, 'already exists and is not an empty folder; convert writes into a new folder');
  }
}

const text = (s: string) => new TextEncoder().encode(s);

/** Writes any source (a native dataset or an import) into `dst` in a native layout. */
export async function writeLayout(fs: FileSystem, source: LabelSource, dst: string, to: TargetLayout, options: ProgressOptions = {}): Promise<ConvertResult> {
  await ensureEmptyFolder(fs, dst);
  const { config, needsJson } = targetConfig(source, to);
  const models = [...new Set(source.items.flatMap((item) => Object.keys(item.predictions ?? {})))];
  for (const dir of [config.imagesDir, config.masksDir, ...models.map((m) => `${config.predictionsDir}/${m}`)]) {
    await fs.createDirectory(joinPath(dst, dir));
  }
  const copy = async (from: string, to: string) => fs.writeFileAtomic(joinPath(dst, to), await fs.readFile(from));
  const result = await writeItems(
    source.items,
    async (item, mask) => {
      await copy(item.image, `${config.imagesDir}/${item.imageName}`);
      for (const [model, path] of Object.entries(item.predictions ?? {})) {
        await copy(path, `${config.predictionsDir}/${model}/${item.stem}.png`);
      }
      if (mask) await fs.writeFileAtomic(joinPath(dst, `${config.masksDir}/${item.stem}.png`), encodeMask(mask, source.classes, source.ignoreIndex));
    },
    options,
  );

  for (const [split, file] of Object.entries(config.splits)) {
    const all = !source.splits.includes(split); // cvat's `default` when the source had no splits
    const stems = source.items.filter((item) => all || item.splits.includes(split)).map((item) => item.stem);
    await fs.createDirectory(joinPath(dst, file.slice(0, file.lastIndexOf('/'))));
    await fs.writeFileAtomic(joinPath(dst, file), text(stems.map((s) => `${s}\n`).join('')));
  }
  if (to === 'cvat') await fs.writeFileAtomic(joinPath(dst, 'labelmap.txt'), text(formatLabelmap(source.classes)));
  if (to === 'plain' || needsJson) await fs.writeFileAtomic(joinPath(dst, CONFIG_FILE), text(configToJson(config)));
  return result;
}

/** A native dataset in another native layout. */
export function convertDataset(fs: FileSystem, index: DatasetIndex, dst: string, to: TargetLayout, options: ProgressOptions = {}): Promise<ConvertResult> {
  return writeLayout(fs, indexSource(fs, index), dst, to, options);
}
