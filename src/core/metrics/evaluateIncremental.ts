/**
 * The mIoU view's evaluation: one confusion matrix per image, cached by the content hashes of
 * both masks, merged into the dataset's. Only images whose files changed are decoded again;
 * the merge of cached matrices equals a fresh run (`evaluateFresh`, which is `seglab miou`).
 * Scoring itself is pluggable: in this thread (`localScorer`) or a worker pool.
 */
import { countPair, readPair, unknownValuesProblem, type EvalPair, type Evaluation, type ImageScore, type ScoreSettings } from '../dataset/evaluate';
import { forEachLimited, type ProgressOptions } from '../dataset/forEachLimited';
import type { Problem } from '../errors';
import type { FileSystem } from '../fileSystem';
import { sha256Hex } from '../hash';
import { MatrixCache, type PairHashes } from './cache';
import { ConfusionMatrix, type ConfusionMatrixJson } from './confusion';
import { computeScores } from './scores';

export type { ScoreSettings };

/** One pair to score; `known`: the cached hashes, so an unchanged pair is not decoded. */
export interface ScoreJob {
  name: string;
  gt: string;
  pred: string;
  known?: PairHashes;
}

export interface ScoreResult {
  name: string;
  hashes?: PairHashes;
  /** Absent when the hashes equal `known` (use the cached matrix) or the pair failed. */
  matrix?: ConfusionMatrixJson;
  /** Unreadable masks or a size mismatch: the pair is not scored. */
  problem?: Problem;
}

export type Scorer = (jobs: readonly ScoreJob[], progress: ProgressOptions) => Promise<ScoreResult[]>;

/** Reads both files, hashes them and, unless the hashes match `job.known`, decodes and counts them. */
export async function scoreJob(fs: Pick<FileSystem, 'readFile'>, job: ScoreJob, settings: ScoreSettings): Promise<ScoreResult> {
  const bytes = await readPair(fs, job.gt, job.pred);
  if (!Array.isArray(bytes)) return { name: job.name, problem: bytes };
  const hashes = { gt: await sha256Hex(bytes[0]), pred: await sha256Hex(bytes[1]) };
  if (job.known && job.known.gt === hashes.gt && job.known.pred === hashes.pred) return { name: job.name, hashes };
  const cm = countPair(job, bytes, settings);
  return cm instanceof ConfusionMatrix ? { name: job.name, hashes, matrix: cm.toJSON() } : { name: job.name, problem: cm };
}

/** Scores jobs in this thread, a few files in flight at once. */
export function localScorer(fs: FileSystem, settings: ScoreSettings): Scorer {
  return async (jobs, progress) => {
    const results = new Map<ScoreJob, ScoreResult>();
    await forEachLimited(jobs, async (job) => void results.set(job, await scoreJob(fs, job, settings)), progress);
    return jobs.map((j) => results.get(j) as ScoreResult);
  };
}

/** The evaluation plus each scored image's own matrix (worst images, split filters). */
export interface DatasetEvaluation extends Evaluation {
  perImage: Map<string, ConfusionMatrix>;
  /** Pairs that could not be scored, by name. */
  failed: Map<string, Problem>;
  /** Pairs that were read again in this run (the rest came from memory). */
  rescored: number;
}

export interface IncrementalOptions extends ProgressOptions {
  settings: ScoreSettings;
  /**
   * Names whose files may have changed since the cache was filled; other cached pairs are
   * used without reading their files. undefined: check every pair (hash, decode on change).
   */
  changed?: ReadonlySet<string>;
}

/** Scores `pairs`, reusing and updating `cache`. Failed pairs are retried on every run. */
export async function evaluateIncremental(
  pairs: readonly EvalPair[],
  cache: MatrixCache,
  scorer: Scorer,
  options: IncrementalOptions,
): Promise<DatasetEvaluation> {
  const { settings, changed } = options;
  const scored = pairs.filter((p): p is EvalPair & { pred: string } => p.pred !== undefined);
  const jobs: ScoreJob[] = scored
    .filter((p) => changed === undefined || changed.has(p.name) || cache.get(p.name) === undefined)
    .map((p) => ({ name: p.name, gt: p.gt, pred: p.pred, known: cache.get(p.name) }));
  const failed = new Map<string, Problem>();
  for (const r of await scorer(jobs, options)) {
    if (r.problem) {
      failed.set(r.name, r.problem);
      cache.delete(r.name);
    } else if (r.matrix && r.hashes) cache.set(r.name, r.hashes, ConfusionMatrix.fromJSON(r.matrix));
  }
  cache.retain(new Set(scored.map((p) => p.name)));
  return assemble(pairs, (name) => cache.get(name)?.matrix, failed, settings, jobs.length);
}

/** One run with nothing cached, every pair read and scored in this thread: `seglab miou`. */
export function evaluateFresh(fs: FileSystem, pairs: readonly EvalPair[], settings: ScoreSettings, progress: ProgressOptions = {}): Promise<DatasetEvaluation> {
  const cache = new MatrixCache(settings.numClasses, settings.ignoreIndex, '');
  return evaluateIncremental(pairs, cache, localScorer(fs, settings), { ...progress, settings });
}

/** The evaluation of a subset of the pairs (a split) from a full one, without reading any file. */
export function restrictTo(full: DatasetEvaluation, pairs: readonly EvalPair[], settings: ScoreSettings): DatasetEvaluation {
  return assemble(pairs, (name) => full.perImage.get(name), full.failed, settings, 0);
}

function assemble(
  pairs: readonly EvalPair[],
  matrixOf: (name: string) => ConfusionMatrix | undefined,
  failed: Map<string, Problem>,
  settings: ScoreSettings,
  rescored: number,
): DatasetEvaluation {
  const { classes, numClasses, ignoreIndex } = settings;
  const total = new ConfusionMatrix(numClasses, ignoreIndex);
  const perImage = new Map<string, ConfusionMatrix>();
  const images: ImageScore[] = [];
  const problems: Problem[] = [];
  for (const pair of pairs) {
    if (pair.pred === undefined) continue;
    const problem = failed.get(pair.name);
    const cm = matrixOf(pair.name);
    if (problem || !cm) {
      if (problem) problems.push(problem);
      continue;
    }
    total.merge(cm);
    perImage.set(pair.name, cm);
    const s = computeScores(cm, classes);
    images.push({ name: pair.name, miou: s.miou, pixelAccuracy: s.pixelAccuracy });
    const unknown = unknownValuesProblem(cm, pair.gt);
    if (unknown) problems.push(unknown);
  }
  return {
    scores: computeScores(total, classes),
    matrix: total,
    images,
    missing: pairs.filter((p) => p.pred === undefined).map((p) => p.name),
    problems,
    perImage,
    failed,
    rescored,
  };
}
