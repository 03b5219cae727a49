/**
 * One fine-tuning run without VS Code: package the labeled images, upload, create the job, follow
 * its events, download the model into the dataset. The command (fineTuneCommand.ts) adds the
 * questions, the progress notification and activation; the test drives this directly.
 */
import type { DatasetIndex } from '../core/dataset/types';
import type { FileSystem } from '../core/fileSystem';
import { TrainingError, type JobParams, type JobRecord, type TrainingClient } from './client';
import type { ModelCard } from '../core/model/card';
import { downloadModel, originOf, type StoredModel } from './downloadModel';
import { describeEvent, followJob, type ProgressEvent } from './events';
import { packageDataset, splitLabeled } from './packageDataset';
import { formatDuration, RunClock } from '../core/training/runTime';

export type Phase = 'package' | 'upload' | 'queued' | 'train' | 'download';

export interface FineTuneHooks {
  /** A line for the log. */
  log?(line: string): void;
  /** Coarse progress: phase and fraction 0-1 within it. */
  progress?(phase: Phase, fraction: number, message: string): void;
  /** Called once the job exists (so the caller can offer to cancel it). */
  onJob?(job: JobRecord): void;
  /** Each progress event of the job (the mIoU view draws its curves from them), with the run's clock after it. */
  onEvent?(e: ProgressEvent, clock: RunClock): void;
  signal?: AbortSignal;
}

export interface FineTuneResult {
  job: JobRecord;
  model?: StoredModel;
}

/** Submits a job for the labeled images of `index` and waits for it; parameters besides `dataset` come from `params`. */
export async function submitJob(
  client: TrainingClient,
  fs: FileSystem,
  index: DatasetIndex,
  params: Omit<JobParams, 'dataset'>,
  hooks: FineTuneHooks = {},
): Promise<JobRecord> {
  const split = splitLabeled(index);
  if (split.train.length === 0) throw new TrainingError(`${index.root}: no labeled images (images with a mask) to train on`);
  hooks.log?.(
    `${split.train.length} train / ${split.val.length} val labeled images (${split.source === 'dataset' ? "the dataset's train/val splits" : 'split by stem hash, 90/10'})`,
  );
  const archive = await packageDataset(fs, index, split, ({ done, total }) => hooks.progress?.('package', done / total, `Packaging ${done}/${total}`));
  const mb = (n: number) => (n / 1e6).toFixed(1);
  const dataset = await client.uploadDataset(
    archive,
    (sent, total) => hooks.progress?.('upload', sent / total, `Uploading ${mb(sent)}/${mb(total)} MB`),
    hooks.signal,
  );
  hooks.log?.(`dataset ${dataset.id.slice(0, 12)}… ${dataset.existing ? 'already on the backend' : `uploaded (${mb(archive.byteLength)} MB)`}`);
  const job = await client.createJob({ ...params, dataset: dataset.id });
  hooks.log?.(`job ${job.id} ${job.state} (${String(job.params.arch)}, ${String(job.params.epochs)} epochs) on ${job.device ?? 'the next free device'}`);
  hooks.onJob?.(job);
  return job;
}

/**
 * Follows a job to its end, turning events into log lines and progress (with the time left, from
 * the job's measured pace, once two step lines are in); returns the final record.
 */
export function watchJob(client: TrainingClient, job: JobRecord, hooks: FineTuneHooks = {}): Promise<JobRecord> {
  hooks.progress?.('queued', 0, `Job ${job.id.slice(0, 8)} ${job.state}`);
  const clock = new RunClock();
  return followJob(
    client,
    job.id,
    (e: ProgressEvent) => {
      clock.event(e);
      hooks.onEvent?.(e, clock);
      const line = describeEvent(e);
      if (line) hooks.log?.(line);
      const left = clock.secondsLeft();
      const eta = left === undefined ? '' : ` · ≈ ${formatDuration(left)} left`;
      if (e.type === 'step' && e.totalSteps) {
        hooks.progress?.('train', Number.NaN, `Epoch ${String(e.epoch)}: loss ${typeof e.loss === 'number' ? e.loss.toFixed(3) : '?'}${eta}`);
      } else if (e.type === 'epoch') {
        hooks.progress?.('train', Number.NaN, `Epoch ${String(e.epoch)}: val mIoU ${typeof e.val?.miou === 'number' ? e.val.miou.toFixed(3) : '?'}${eta}`);
      }
    },
    hooks.signal,
  );
}

/** The whole run; a job that does not succeed is returned without a model (its `error` says why). */
export async function fineTune(
  client: TrainingClient,
  fs: FileSystem,
  index: DatasetIndex,
  params: Omit<JobParams, 'dataset'>,
  modelName: string,
  hooks: FineTuneHooks = {},
): Promise<FineTuneResult> {
  const submitted = await submitJob(client, fs, index, params, hooks);
  const job = await watchJob(client, submitted, hooks);
  if (job.state !== 'succeeded') return { job };
  hooks.progress?.('download', 0, 'Downloading the model');
  const model = await downloadModel(client, job.id, fs, index.root, modelName, hooks.signal);
  hooks.log?.(`model stored as ${model.onnxPath} (+ ${model.cardPath})`);
  return { job, model };
}

/**
 * `seglab.training.exportSigmoid`: a two-class dataset's model is exported as one sigmoid channel. Any other
 * dataset is refused here, before packaging, rather than trained into an export the user did not ask for.
 */
export function sigmoidExport(index: DatasetIndex, on: boolean): Pick<JobParams, 'sigmoid'> {
  if (!on) return {};
  const n = index.config.classes.length;
  if (n !== 2) {
    throw new TrainingError(
      `${index.root}: the setting seglab.training.exportSigmoid is on, but the dataset has ${n} classes; a sigmoid export needs exactly 2 ` +
        '(background and foreground): turn the setting off to export the usual one-channel-per-class model',
    );
  }
  return { sigmoid: true };
}

const ARCH_KEYS = ['arch', 'backbone', 'unetBase', 'unetDepth', 'asppChannels', 'decoderChannels', 'widthMult', 'reducedTail', 'backboneBnMomentum'] as const;
/** The card's `architectureOptions` names for job parameters that differ (U-Net's). */
const CARD_NAMES: Partial<Record<(typeof ARCH_KEYS)[number], string>> = { unetBase: 'base', unetDepth: 'depth' };

/** The keys of `source` among `keys` that have a value. */
function pick(source: Record<string, unknown>, keys: readonly string[]): Partial<JobParams> {
  const out: Partial<JobParams> = {};
  for (const k of keys) if (source[k] !== undefined && source[k] !== null) Object.assign(out, { [k]: source[k] });
  return out;
}

/**
 * The click model's job beside a pre-labeling one (Fine-tune Model… with seglab.training.alsoTrainClickModel):
 * the same budget and the trainer's click crop rather than the pre-labeling crop; it continues from
 * `from` (clickStart) when given, else new weights with the pre-labeling model's architecture (its first
 * layer takes 3 channels, the click model's 6).
 */
export function clickJobParams(params: Omit<JobParams, 'dataset'>, from?: Omit<JobParams, 'dataset'>): Omit<JobParams, 'dataset'> {
  return { task: 'interactive', ...(from ?? pick(params, ARCH_KEYS)), ...pick(params, ['epochs', 'minutes']) };
}

/**
 * Where the next click model can start: the job of the click model `card` (a Smart Select card's JSON) when
 * this backend trained it and the job succeeded, so each fine-tune round continues from the last.
 */
export async function clickStart(client: TrainingClient, card: Record<string, unknown>): Promise<Omit<JobParams, 'dataset'> | undefined> {
  const origin = card.family === 'clicks' ? originOf(card) : undefined;
  if (!origin || origin.backend !== client.baseUrl) return undefined;
  const job = await client.job(origin.job).catch(() => undefined);
  return job?.state === 'succeeded' && job.params.task === 'interactive' ? { initJob: job.id, ...pick(job.params, ARCH_KEYS) } : undefined;
}

/**
 * Where a run can start from a model: its own job on this backend (`initJob`, same architecture
 * options) when the card records one that still exists and succeeded, else a fresh model built
 * with the card's architecture options; undefined for architectures the trainer does not build.
 */
export async function startingPoint(client: TrainingClient, card: ModelCard): Promise<{ params: Omit<JobParams, 'dataset'> } | undefined> {
  const origin = originOf(card);
  if (origin && origin.backend === client.baseUrl) {
    const job = await client.job(origin.job).catch(() => undefined);
    if (job?.state === 'succeeded') return { params: { initJob: job.id, ...pick(job.params, ARCH_KEYS) } };
  }
  if (card.architecture === 'other') return undefined;
  const options =
    typeof card.architectureOptions === 'object' && card.architectureOptions !== null ? (card.architectureOptions as Record<string, unknown>) : {};
  const params: Omit<JobParams, 'dataset'> = { arch: card.architecture };
  for (const k of ARCH_KEYS.slice(1)) {
    const v = options[CARD_NAMES[k] ?? k];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') Object.assign(params, { [k]: v });
  }
  return { params };
}
