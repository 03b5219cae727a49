/**
 * `seglab noc` over a dataset: the labeled images (of a split), each image's targets, the click
 * robot driving a method (a promptable model: its encoder once per image; or the magic wand) on
 * every target. Unreadable or mismatched files are problems, and their images are left out.
 */
import { errorDetail, type Problem } from '../errors';
import type { FileSystem } from '../fileSystem';
import type { DatasetIndex } from '../dataset/types';
import { decodeMask } from '../mask/codec';
import { decodeImage, type RgbImage } from '../model/image';
import { encodeImage } from '../model/promptable/predictor';
import type { PromptableModel } from '../model/promptable/load';
import { joinPath } from '../paths';
import type { Click } from './clickRobot';
import { clicksTo, runTarget, summarise, type NocSummary, type Segmenter } from './noc';
import { promptableSegmenter, rgbaOf, wandSegmenter } from './segmenters';
import { findTargets, validPixels } from './targets';

export interface NocMethod {
  /** Once per image (a model's encoder runs here); the result makes a fresh segmenter per target. */
  forImage(image: RgbImage, source: string): Promise<() => Segmenter>;
}

export function promptableMethod(model: PromptableModel): NocMethod {
  return {
    async forImage(image, source) {
      const embeddings = await encodeImage(model.card, model.encoder, image);
      return () => promptableSegmenter(model.card, model.decoder, embeddings, source);
    },
  };
}

export function wandMethod(tolerance: number): NocMethod {
  return {
    async forImage(image) {
      const rgba = rgbaOf(image);
      return () => wandSegmenter(rgba, tolerance);
    },
  };
}

export interface NocOptions {
  split?: string;
  thresholds: number[];
  maxClicks: number;
  minArea: number;
  onProgress?(done: number, total: number): void;
}

export interface TargetRow {
  /** The image's path relative to the dataset root. */
  image: string;
  classId: number;
  /** The target's first pixel in row-major order, and its size. */
  x: number;
  y: number;
  area: number;
  clicks: Click[];
  ious: number[];
  /** NoC per threshold, in the order of NocOptions.thresholds. */
  noc: number[];
}

export interface NocResult {
  summary: NocSummary;
  rows: TargetRow[];
  /** Images read (with at least one target or not). */
  images: number;
  problems: Problem[];
}

export async function nocDataset(fs: FileSystem, index: DatasetIndex, method: NocMethod, options: NocOptions): Promise<NocResult> {
  const { config } = index;
  const entries = index.images.filter((e) => e.mask !== undefined && (options.split === undefined || e.splits.includes(options.split)));
  const rows: TargetRow[] = [];
  const problems: Problem[] = [];
  let images = 0;
  for (const [n, entry] of entries.entries()) {
    options.onProgress?.(n, entries.length);
    const maskPath = joinPath(index.root, entry.mask!);
    const imagePath = joinPath(index.root, entry.image);
    let labels;
    let image;
    try {
      labels = decodeMask(await fs.readFile(maskPath), { path: maskPath, classes: config.classes, ignoreIndex: config.ignoreIndex });
    } catch (error) {
      problems.push({ path: maskPath, kind: 'unreadable-mask', message: errorDetail(error) });
      continue;
    }
    try {
      image = await decodeImage(await fs.readFile(imagePath), imagePath);
    } catch (error) {
      problems.push({ path: imagePath, kind: 'unreadable-image', message: errorDetail(error) });
      continue;
    }
    const { width, height } = labels;
    if (image.width !== width || image.height !== height) {
      problems.push({ path: maskPath, kind: 'size-mismatch', message: `the mask is ${width}x${height}, the image ${image.width}x${image.height}` });
      continue;
    }
    images++;
    const targets = findTargets(labels, config.ignoreIndex, options.minArea);
    if (targets.length === 0) continue;
    const valid = validPixels(labels, config.ignoreIndex);
    const segmenterFor = await method.forImage(image, imagePath);
    for (const target of targets) {
      const run = await runTarget(target, valid, width, height, segmenterFor(), options.maxClicks);
      const { classId, x, y, area } = target;
      rows.push({ image: entry.image, classId, x, y, area, ...run, noc: options.thresholds.map((t) => clicksTo(run.ious, t)) });
    }
  }
  options.onProgress?.(entries.length, entries.length);
  return { summary: summarise(rows, options.thresholds, options.maxClicks), rows, images, problems };
}
