/**
 * What the mIoU view computes and shows, without VS Code: the pairs of a dataset and model, the
 * empty states, the evaluation through a cache and a scorer, and the results message. The
 * extension test and test/miou compare these numbers with `seglab miou --json`.
 */
import { numClassesOf } from '../core/classes';
import { datasetPairs, type EvalPair } from '../core/dataset/evaluate';
import type { DatasetIndex } from '../core/dataset/types';
import type { FileSystem } from '../core/fileSystem';
import { evaluateIncremental, restrictTo, type DatasetEvaluation, type Scorer, type ScoreSettings } from '../core/metrics/evaluateIncremental';
import type { MatrixCache } from '../core/metrics/cache';
import type { HistoryRecord } from '../core/metrics/history';
import { imageScores, rankWorst } from '../core/metrics/worstImages';
import { miouCsv, miouJson, miouMarkdown } from '../core/metrics/report';
import {
  MIOU_PROTOCOL_VERSION,
  MiouMessageType,
  type EmptyReason,
  type MiouChoices,
  type MiouSelection,
  type ReportFormat,
  type ResultsMessage,
} from '../core/miouProtocol';
import type { ProgressOptions } from '../core/dataset/forEachLimited';
import type { ClassMapping } from '../core/model/classMapping';
import { readManifest } from '../core/model/manifest';
import { joinPath } from '../core/paths';

export const ALL_SPLITS = 'all';

export function settingsOf(index: DatasetIndex): ScoreSettings {
  const { classes, ignoreIndex } = index.config;
  return { classes, numClasses: numClassesOf(classes), ignoreIndex };
}

/** Model folders with at least one prediction, sorted. */
export function modelsOf(index: DatasetIndex): string[] {
  return [...new Set(index.images.flatMap((e) => e.predictions))].sort();
}

export function splitsOf(index: DatasetIndex): string[] {
  return [ALL_SPLITS, ...Object.keys(index.config.splits)];
}

/** Why there is nothing to score for `model`, in words for the view; undefined when there is. */
export function emptyState(index: DatasetIndex, model: string | undefined): { reason: EmptyReason; message: string } | undefined {
  const { masksDir, predictionsDir } = index.config;
  if (!index.images.some((e) => e.mask !== undefined)) {
    return {
      reason: 'no-labels',
      message: `No label masks yet: masks are read from ${masksDir}/. Label some images in the mask editor, then the mIoU appears here.`,
    };
  }
  if (model === undefined) {
    return {
      reason: 'no-predictions',
      message: `No model predictions yet: prediction masks are read from ${predictionsDir}/<model>/. Run pre-labeling (or copy a model's masks there) to compare them with the labels.`,
    };
  }
  if (!index.images.some((e) => e.mask !== undefined && e.predictions.includes(model))) {
    return { reason: 'no-pairs', message: `No image has both a label and a prediction of "${model}" yet.` };
  }
  return undefined;
}

/** The split's pairs: what `seglab miou <dataset> --model M [--split S]` scores. */
export function splitPairs(fs: FileSystem, index: DatasetIndex, model: string, split: string): Promise<EvalPair[]> {
  return datasetPairs(fs, index, { model, split: split === ALL_SPLITS ? undefined : split });
}

export interface ComputeOptions extends ProgressOptions {
  changed?: ReadonlySet<string>;
}

/**
 * The evaluation of every labeled image, so one cache covers all splits (`resultsMessage`
 * restricts it to the selected one without reading files).
 */
export async function evaluateDataset(
  fs: FileSystem,
  index: DatasetIndex,
  model: string,
  cache: MatrixCache,
  scorer: Scorer,
  options: ComputeOptions = {},
): Promise<DatasetEvaluation> {
  return evaluateIncremental(await datasetPairs(fs, index, { model }), cache, scorer, { ...options, settings: settingsOf(index) });
}

/**
 * How the model's classes became the dataset's in `model`'s predictions, as `seglab miou` reads it; undefined
 * when the folder's manifest does not record it (predictions not written by SegLab's pre-labeling).
 */
export async function predictionMapping(fs: FileSystem, index: DatasetIndex, model: string): Promise<ClassMapping | undefined> {
  const { mapping } = await readManifest(fs, joinPath(index.root, index.config.predictionsDir, model), model, '');
  return mapping && Array.isArray(mapping.classes) ? mapping : undefined;
}

export interface ResultsContext {
  selection: MiouSelection;
  choices: MiouChoices;
  history: HistoryRecord[];
  classMapping?: string;
  seconds: number;
  date?: Date;
}

/** The split's evaluation from the full one, and the message the view renders. */
export function resultsMessage(
  index: DatasetIndex,
  full: DatasetEvaluation,
  pairs: readonly EvalPair[],
  ctx: ResultsContext,
): { message: ResultsMessage; evaluation: DatasetEvaluation } {
  const settings = settingsOf(index);
  const e = restrictTo(full, pairs, settings);
  const s = e.scores;
  const message: ResultsMessage = {
    type: MiouMessageType.Results,
    version: MIOU_PROTOCOL_VERSION,
    selection: ctx.selection,
    choices: ctx.choices,
    classes: index.config.classes,
    summary: {
      miou: s.miou,
      pixelAccuracy: s.pixelAccuracy,
      meanAccuracy: s.meanAccuracy,
      pixels: s.pixels,
      ignoredPixels: s.ignoredPixels,
      images: e.images.length,
      missing: e.missing.length,
      problems: e.problems.length,
    },
    perClass: s.classes,
    matrix: { numClasses: e.matrix.numClasses, counts: Array.from(e.matrix.counts) },
    images: rankWorst(imageScores(e.perImage, index.config.classes)),
    history: ctx.history,
    ...(ctx.classMapping ? { classMapping: ctx.classMapping } : {}),
    computedAt: (ctx.date ?? new Date()).toISOString(),
    seconds: ctx.seconds,
    rescored: full.rescored,
  };
  return { message, evaluation: e };
}

/** What "Export mIoU Report" writes: the shown results as Markdown, CSV or JSON (the `seglab miou --json` shape, classMapping included). */
export function reportText(
  shown: { index: DatasetIndex; message: ResultsMessage; evaluation: DatasetEvaluation; mapping?: ClassMapping },
  format: ReportFormat,
): string {
  const report = miouJson(shown.evaluation);
  const { model, split } = shown.message.selection;
  if (format === 'json') return JSON.stringify({ ...report, ...(shown.mapping ? { classMapping: shown.mapping } : {}) }, null, 2) + '\n';
  if (format === 'csv') return miouCsv(report);
  const ctx = { dataset: shown.index.config.name, model, split, date: shown.message.computedAt, classMapping: shown.message.classMapping };
  return miouMarkdown(report, ctx);
}
