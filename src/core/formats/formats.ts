/**
 * Every conversion is a read into a LabelSource and a write from one, so any format converts to
 * any other and the CLI and the extension run the same code. `native` is SegLab's own layouts
 * (VOC, CVAT, plain, seglab.json), found by dataset detection.
 */
import { detectDataset } from '../dataset/detect';
import { indexDataset } from '../dataset/datasetIndex';
import { TARGET_LAYOUTS, writeLayout, type TargetLayout } from '../dataset/convert';
import type { ProgressOptions } from '../dataset/forEachLimited';
import { DataError } from '../errors';
import type { FileSystem } from '../fileSystem';
import { joinPath } from '../paths';
import { readAde20k } from './ade20k';
import { readCityscapes, writeCityscapes } from './cityscapes';
import type { OverlapRule } from './cocoJson';
import { writeCoco } from './cocoExport';
import { readCoco } from './cocoImport';
import { writeLabelStudio } from './labelStudioExport';
import { LABEL_CONFIG_FILE, readLabelStudio } from './labelStudioImport';
import { indexSource, type LabelSource } from './source';
import type { ConvertResult } from './writeItems';

export type SourceFormat = 'native' | 'coco' | 'labelstudio' | 'cityscapes' | 'ade20k';
export const SOURCE_FORMATS: readonly SourceFormat[] = ['native', 'coco', 'labelstudio', 'cityscapes', 'ade20k'];
export type TargetFormat = TargetLayout | 'coco' | 'labelstudio' | 'cityscapes';
export const TARGET_FORMATS: readonly TargetFormat[] = [...TARGET_LAYOUTS, 'coco', 'labelstudio', 'cityscapes'];

export interface ReadOptions {
  /** COCO: how overlapping annotations are resolved. */
  overlap?: OverlapRule;
}

const isDir = async (fs: FileSystem, path: string) => (await fs.stat(path))?.type === 'directory';

/**
 * The format of `src` when its files say so unambiguously: a SegLab dataset, Cityscapes'
 * leftImg8bit/ + gtFine/, ADE20K's images/training/ + annotations/training/, a folder with COCO's
 * annotations/{instances,stuff}_*.json, a .json file (a JSON array is Label Studio's export, an
 * object COCO's) or a folder with labeling_config.xml (Label Studio); undefined otherwise.
 */
export async function detectFormat(fs: FileSystem, src: string): Promise<SourceFormat | undefined> {
  const st = await fs.stat(src);
  if (st?.type === 'file') {
    if (!src.toLowerCase().endsWith('.json')) return undefined;
    // The first non-blank character: Label Studio exports a list of tasks, COCO an object.
    const head = new TextDecoder().decode(await fs.readHead(src, 64)).trimStart();
    return head.startsWith('[') ? 'labelstudio' : 'coco';
  }
  if (st?.type !== 'directory') return undefined;
  if (await detectDataset(fs, src)) return 'native';
  const dirs = async (...paths: string[]) => (await Promise.all(paths.map((p) => isDir(fs, joinPath(src, p))))).every(Boolean);
  if (await dirs('leftImg8bit', 'gtFine')) return 'cityscapes';
  if (await dirs('images/training', 'annotations/training')) return 'ade20k';
  if ((await fs.stat(joinPath(src, LABEL_CONFIG_FILE)))?.type === 'file') return 'labelstudio';
  if (await isDir(fs, joinPath(src, 'annotations'))) {
    const names = (await fs.readDirectory(joinPath(src, 'annotations'))).map(([n]) => n);
    if (names.some((n) => /^(?:instances|stuff)_.+\.json$/.test(n))) return 'coco';
  }
  return undefined;
}

export async function readSource(fs: FileSystem, src: string, from: SourceFormat, options: ReadOptions = {}): Promise<LabelSource> {
  switch (from) {
    case 'native': {
      const detection = await detectDataset(fs, src);
      if (!detection) throw new DataError(src, 'not a SegLab dataset (expected seglab.json, JPEGImages/ + SegmentationClass/, or images/ + masks/)');
      return indexSource(fs, await indexDataset(fs, src, detection));
    }
    case 'coco':
      return readCoco(fs, src, options.overlap ?? 'later');
    case 'labelstudio':
      return readLabelStudio(fs, src);
    case 'cityscapes':
      return readCityscapes(fs, src);
    case 'ade20k':
      return readAde20k(fs, src);
  }
}

export function writeTarget(fs: FileSystem, source: LabelSource, dst: string, to: TargetFormat, options: ProgressOptions = {}): Promise<ConvertResult> {
  switch (to) {
    case 'coco':
      return writeCoco(fs, source, dst, options);
    case 'labelstudio':
      return writeLabelStudio(fs, source, dst, options);
    case 'cityscapes':
      return writeCityscapes(fs, source, dst, options);
    default:
      return writeLayout(fs, source, dst, to, options);
  }
}
