/**
 * One round of "Train as you label" without VS Code: a short fine-tune from the active model
 * (a time budget of `minutes`; fineTune.ts: package, upload, train, download into the dataset's
 * models/), then both models measured on the same val images (the trainer's split of the labeled
 * images) with SegLab's own mIoU, and the verdict of core/training/continuous.ts. The loop
 * (continuousTraining.ts) decides when to run one and acts on the verdict; the test drives this
 * directly on the real service.
 */
import type { DatasetIndex, ImageEntry } from '../core/dataset/types';
import type { FileSystem } from '../core/fileSystem';
import type { ModelCard } from '../core/model/card';
import { compareModels, type Verdict } from '../core/training/continuous';
import { BUDGET_EPOCH_CAP } from '../core/training/runTime';
import { TrainingError, type JobRecord, type TrainingClient } from './client';
import type { StoredModel } from './downloadModel';
import { fineTune, startingPoint, type FineTuneHooks } from './fineTune';
import { splitLabeled } from './packageDataset';

export interface RoundInput {
  client: TrainingClient;
  /** The dataset's file system and index (the labels as they are now). */
  fs: FileSystem;
  index: DatasetIndex;
  active: { name: string; card: ModelCard };
  /** Name for the new model in the dataset's models/ folder. */
  modelName: string;
  /** The round's time budget (core/training/continuous.ts: roundMinutes). */
  minutes: number;
  /** SegLab's mIoU on `val` of the active model (`model` undefined) or of the new one. */
  measure(model: StoredModel | undefined, val: readonly ImageEntry[]): Promise<number | null>;
  hooks?: FineTuneHooks;
}

export interface RoundResult {
  job: JobRecord;
  /** Absent when the job did not succeed (`job.error` says why). */
  model?: StoredModel;
  verdict?: Verdict;
}

/** The crop size the active model was trained at, when its card records one: the round keeps it. */
function trainedImageSize(card: ModelCard): number | undefined {
  const size = (card.training as { imageSize?: unknown } | undefined)?.imageSize;
  return Number.isInteger(size) && (size as number) > 0 ? (size as number) : undefined;
}

export async function runRound(input: RoundInput): Promise<RoundResult> {
  const { client, fs, index, active, hooks = {} } = input;
  const start = await startingPoint(client, active.card);
  if (!start) throw new TrainingError(`${active.name}: its architecture is not one the trainer builds, so it cannot be fine-tuned`);
  const imageSize = trainedImageSize(active.card);
  const params = { ...start.params, epochs: BUDGET_EPOCH_CAP, minutes: input.minutes, ...(imageSize ? { imageSize } : {}) };
  hooks.log?.(
    `${start.params.initJob ? `continuing ${active.name}'s job ${start.params.initJob}` : `new weights built like ${active.name}`}: ${JSON.stringify(params)}`,
  );
  const { job, model } = await fineTune(client, fs, index, params, input.modelName, hooks);
  if (!model) return { job };
  const val = splitLabeled(index).val;
  hooks.log?.(`measuring ${active.name} and ${model.name} on ${val.length} val images`);
  const verdict = compareModels({ name: active.name, miou: await input.measure(undefined, val) }, { name: model.name, miou: await input.measure(model, val) });
  return { job, model, verdict };
}
