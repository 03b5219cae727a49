/**
 * The mIoU view's evaluation: one confusion matrix per image, cached by the content hashes of
 * both masks, merged into the dataset's. Only images whose files changed are decoded again;
 * the merge of cached matrices equals a full run of `evaluatePairs` (the same semantics as
 * `seglab miou`). Scoring itself is pluggable: in this thread (`localScorer`) or a worker pool.
 */
import type { ClassDef } from '../classes';
import type { EvalPair, Evaluation, ImageScore } from '../dataset/evaluate';
import { forEachLimited, type ProgressOptions } from '../dataset/forEachLimited';
import { DataError, type Problem } from '../errors';
import type { FileSystem } from '../fileSystem';
import { decodeMask, type DecodeOptions, type Mask } from '../mask/codec';
import { sha256Hex, type MatrixCache, type PairHashes } from './cache';
import { ConfusionMatrix, type ConfusionMatrixJson } from './confusion';
import { computeScores } from './scores';

export interface ScoreSettings {
  classes: readonly ClassDef[];
  numClasses: number;
  ignoreIndex: number;
}

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
export type MaskDecoder = (bytes: Uint8Array, opts: DecodeOptions) => Mask;

const detail = (err: unknown) => (err instanceof DataError ? err.detail : err instanceof Error ? err.message : String(err));

/** Hashes both files and, unless they match `job.known`, decodes and counts them. */
export async function scoreBytes(job: ScoreJob, gtBytes: Uint8Array, predBytes: Uint8Array, settings: ScoreSettings, decode: MaskDecoder = decodeMask): Promise<ScoreResult> {
  const hashes = { gt: await sha256Hex(gtBytes), pred: await sha256Hex(predBytes) };
  if (job.known && job.known.gt === hashes.gt && job.known.pred === hashes.pred) return { name: job.name, hashes };
  const { classes, numClasses, ignoreIndex } = settings;
  const masks: Mask[] = [];
  for (const [path, bytes] of [[job.gt, gtBytes], [job.pred, predBytes]] as const) {
    try {
      masks.push(decode(bytes, { path, classes, ignoreIndex }));
    } catch (err) {
      return { name: job.name, problem: { path, kind: 'unreadable-mask', message: detail(err) } };
    }
  }
  const [gt, p] = masks;
  if (gt.width !== p.width || gt.height !== p.height) {
    const message = `prediction is ${p.width}x${p.height} but its label ${job.gt} is ${gt.width}x${gt.height}; not scored`;
    return { name: job.name, problem: { path: job.pred, kind: 'size-mismatch', message } };
  }
  const cm = new ConfusionMatrix(numClasses, ignoreIndex);
  cm.accumulate(gt.data, p.data);
  return { name: job.name, hashes, matrix: cm.toJSON() };
}

/** Reads a job's files; a file that cannot be read is the pair's problem. */
export async function readJob(fs: Pick<FileSystem, 'readFile'>, job: ScoreJob): Promise<[Uint8Array, Uint8Array] | Problem> {
  const out: Uint8Array[] = [];
  for (const path of [job.gt, job.pred]) {
    try {
      out.push(await fs.readFile(path));
    } catch (err) {
      return { path, kind: 'unreadable-mask', message: detail(err) };
    }
  }
  return [out[0], out[1]];
}

/** Scores jobs in this thread, a few files in flight at once. */
export function localScorer(fs: FileSystem, settings: ScoreSettings): Scorer {
  return async (jobs, progress) => {
    const results = new Map<ScoreJob, ScoreResult>();
    await forEachLimited(jobs, async (job) => {
      const read = await readJob(fs, job);
      results.set(job, Array.isArray(read) ? await scoreBytes(job, read[0], read[1], settings) : { name: job.name, problem: read });
    }, progress);
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
export async function evaluateIncremental(pairs: readonly EvalPair[], cache: MatrixCache, scorer: Scorer, options: IncrementalOptions): Promise<DatasetEvaluation> {
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
    if (cm.unknownGtPixels > 0) {
      const message = `${cm.unknownGtPixels} pixels hold values that are no class id nor the ignore index ${ignoreIndex}; they are not scored`;
      problems.push({ path: pair.gt, kind: 'unknown-values', message });
    }
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
