/**
 * Scoring prediction masks against label masks, one confusion matrix per image merged into the
 * dataset's: shared by `seglab miou` and the extension's mIoU view.
 */
import type { ClassDef } from '../classes';
import { errorDetail, type Problem } from '../errors';
import type { FileSystem } from '../fileSystem';
import { decodeMask, type Mask } from '../mask/codec';
import { ConfusionMatrix } from '../metrics/confusion';
import { computeScores, type Scores } from '../metrics/scores';
import { extensionOf, joinPath, stemOf } from '../paths';
import type { DatasetIndex } from './types';
import { forEachLimited, type ProgressOptions } from './forEachLimited';

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

export interface EvalOptions extends ProgressOptions, ScoreSettings {}

/** C for a class list: ids need not be contiguous. */
export function numClassesOf(classes: readonly ClassDef[]): number {
  return Math.max(...classes.map((c) => c.id)) + 1;
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
  for (const [path, data] of [[paths.gt, bytes[0]], [paths.pred, bytes[1]]] as const) {
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

interface PairResult {
  score?: ImageScore;
  problems: Problem[];
}

async function scorePair(fs: FileSystem, pair: EvalPair, pred: string, options: EvalOptions, total: ConfusionMatrix): Promise<PairResult> {
  const read = await readPair(fs, pair.gt, pred);
  const cm = Array.isArray(read) ? countPair({ gt: pair.gt, pred }, read, options) : read;
  if (!(cm instanceof ConfusionMatrix)) return { problems: [cm] };
  total.merge(cm);
  const s = computeScores(cm, options.classes);
  const unknown = unknownValuesProblem(cm, pair.gt);
  return { score: { name: pair.name, miou: s.miou, pixelAccuracy: s.pixelAccuracy }, problems: unknown ? [unknown] : [] };
}

/** Scores every pair that has a prediction; pairs without one are listed in `missing`. */
export async function evaluatePairs(fs: FileSystem, pairs: readonly EvalPair[], options: EvalOptions): Promise<Evaluation> {
  const total = new ConfusionMatrix(options.numClasses, options.ignoreIndex);
  const results = new Map<EvalPair, PairResult>();
  const scored = pairs.filter((p) => p.pred !== undefined);
  await forEachLimited(scored, async (pair) => void results.set(pair, await scorePair(fs, pair, pair.pred as string, options, total)), options);
  const images: ImageScore[] = [];
  const problems: Problem[] = [];
  for (const pair of scored) {
    const result = results.get(pair) as PairResult;
    if (result.score) images.push(result.score);
    problems.push(...result.problems);
  }
  return {
    scores: computeScores(total, options.classes),
    matrix: total,
    images,
    missing: pairs.filter((p) => p.pred === undefined).map((p) => p.name),
    problems,
  };
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
