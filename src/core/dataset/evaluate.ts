/**
 * What scoring prediction masks against label masks starts from: the pairs (a dataset's, or two
 * folders'), reading and counting one pair into its own confusion matrix. `evaluateIncremental`
 * merges them, for `seglab miou` and the extension's mIoU view alike.
 */
import type { ClassDef } from '../classes';
import { errorDetail, type Problem } from '../errors';
import type { FileSystem } from '../fileSystem';
import { decodeMask, type Mask } from '../mask/codec';
import { ConfusionMatrix } from '../metrics/confusion';
import type { Scores } from '../metrics/scores';
import { extensionOf, joinPath, stemOf } from '../paths';
import type { DatasetIndex } from './types';

/** One image to score; paths are absolute (as the FileSystem takes them). */
export interface EvalPair {
  name: string;
  gt: string;
  /** undefined: no prediction, reported in `missing`. */
  pred?: string;
}

export interface ImageScore {
  name: string;
  miou: number | null;
  pixelAccuracy: number | null;
}

export interface Evaluation {
  scores: Scores;
  /** The merged matrix, for callers that merge runs further. */
  matrix: ConfusionMatrix;
  /** Scored images, in pair order. */
  images: ImageScore[];
  /** Names with a label but no prediction. */
  missing: string[];
  /** Pairs that could not be scored (unreadable masks, size mismatches) and unknown labels. */
  problems: Problem[];
}

export interface ScoreSettings {
  classes: readonly ClassDef[];
  /** C: values 0..C-1 are classes. */
  numClasses: number;
  ignoreIndex: number;
}

/** Reads a label and its prediction; a file that cannot be read is the pair's problem. */
export async function readPair(fs: Pick<FileSystem, 'readFile'>, gt: string, pred: string): Promise<[Uint8Array, Uint8Array] | Problem> {
  const out: Uint8Array[] = [];
  for (const path of [gt, pred]) {
    try {
      out.push(await fs.readFile(path));
    } catch (err) {
      return { path, kind: 'unreadable-mask', message: errorDetail(err) };
    }
  }
  return [out[0], out[1]];
}

/**
 * Decodes a label and its prediction and counts them into the pair's own matrix; or the problem
 * that keeps the pair from being scored (an unreadable mask, a size mismatch).
 */
export function countPair(paths: { gt: string; pred: string }, bytes: readonly [Uint8Array, Uint8Array], settings: ScoreSettings): ConfusionMatrix | Problem {
  const { classes, numClasses, ignoreIndex } = settings;
  const masks: Mask[] = [];
  for (const [path, data] of [
    [paths.gt, bytes[0]],
    [paths.pred, bytes[1]],
  ] as const) {
    try {
      masks.push(decodeMask(data, { path, classes, ignoreIndex }));
    } catch (err) {
      return { path, kind: 'unreadable-mask', message: errorDetail(err) };
    }
  }
  const [gt, p] = masks;
  if (gt.width !== p.width || gt.height !== p.height) {
    const message = `prediction is ${p.width}x${p.height} but its label ${paths.gt} is ${gt.width}x${gt.height}; not scored`;
    return { path: paths.pred, kind: 'size-mismatch', message };
  }
  const cm = new ConfusionMatrix(numClasses, ignoreIndex);
  cm.accumulate(gt.data, p.data);
  return cm;
}

/** A scored pair's label values that are neither a class nor the ignore index, if any. */
export function unknownValuesProblem(cm: ConfusionMatrix, gtPath: string): Problem | undefined {
  if (cm.unknownGtPixels === 0) return undefined;
  const message = `${cm.unknownGtPixels} pixels hold values that are no class id nor the ignore index ${cm.ignoreIndex}; they are not scored`;
  return { path: gtPath, kind: 'unknown-values', message };
}

export interface DatasetPairsOptions {
  /** A model folder under the dataset's predictions folder. */
  model?: string;
  /** Or any folder of prediction masks named by stem (absolute). */
  predDir?: string;
  /** Only entries of this split. */
  split?: string;
}

/** Sorted stem -> absolute path of the PNG masks in `folder`. */
export async function listMasks(fs: FileSystem, folder: string): Promise<Map<string, string>> {
  const masks = new Map<string, string>();
  const names = (await fs.readDirectory(folder)).filter(([n, t]) => t === 'file' && !n.startsWith('.') && extensionOf(n) === 'png').map(([n]) => n);
  for (const name of names.sort()) if (!masks.has(stemOf(name))) masks.set(stemOf(name), joinPath(folder, name));
  return masks;
}

/** Labeled entries (of `split`) paired with their prediction by `model` or in `predDir`. */
export async function datasetPairs(fs: FileSystem, index: DatasetIndex, options: DatasetPairsOptions): Promise<EvalPair[]> {
  const { root, config } = index;
  const external = options.predDir !== undefined ? await listMasks(fs, options.predDir) : undefined;
  const pairs: EvalPair[] = [];
  for (const entry of index.images) {
    if (entry.mask === undefined || (options.split !== undefined && !entry.splits.includes(options.split))) continue;
    let pred: string | undefined;
    if (external) pred = external.get(entry.stem);
    else if (options.model !== undefined && entry.predictions.includes(options.model)) {
      pred = joinPath(root, config.predictionsDir, options.model, `${entry.stem}.png`);
    }
    pairs.push({ name: entry.stem, gt: joinPath(root, entry.mask), pred });
  }
  return pairs;
}

/** Every label mask in `gtDir` paired by stem with a mask in `predDir`. */
export async function folderPairs(fs: FileSystem, gtDir: string, predDir: string): Promise<EvalPair[]> {
  const [gt, pred] = [await listMasks(fs, gtDir), await listMasks(fs, predDir)];
  return [...gt].map(([name, path]) => ({ name, gt: path, pred: pred.get(name) }));
}
