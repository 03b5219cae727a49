/**
 * Pre-label a dataset on the training backend (POST /v1/predictions, backend/API.md): upload the
 * images to predict and the model with its card, follow the job's events, and write each mask
 * into the predictions folder as soon as the backend has it, with the manifest (mean confidence,
 * class pixels) for the masks that arrived. A cancelled run cancels the job and keeps what
 * arrived. The backend runs SegLab's own pre-labeler, so the masks equal a local run's.
 */
import type { DatasetIndex, ImageEntry } from '../core/dataset/types';
import { ConfigError } from '../core/errors';
import type { FileSystem } from '../core/fileSystem';
import { readManifest, writeManifest } from '../core/model/manifest';
import { checkOutDir, prelabelEntries, type PrelabelProgress } from '../core/model/prelabelDataset';
import { joinPath } from '../core/paths';
import type { PredictionRecord, TrainingClient } from './client';
import { followJob } from './events';
import { packageImages, packageModel } from './packageDataset';

export interface RemoteModel {
  /** The .onnx file and its card (`<file>.json`): the backend needs the card. */
  path: string;
  cardPath: string;
  /** Where they are read from (default: the dataset's file system). */
  fs?: FileSystem;
}

export interface RemotePrelabelOptions {
  onlyUnlabeled?: boolean;
  tileSize?: number;
  /** Default `<root>/<predictionsDir>/<model name>`. */
  outDir?: string;
  signal?: AbortSignal;
  onProgress?(progress: PrelabelProgress & { stage: 'upload' | 'predict' }): void;
}

export interface RemotePrelabelResult {
  outDir: string;
  jobId: string;
  total: number;
  /** Masks written here, as they arrived. */
  received: string[];
  failed: Array<{ path: string; message: string }>;
  cancelled: boolean;
  /** The backend job's end state and error. */
  state: string;
  error?: string | null;
}

export async function prelabelOnBackend(
  fs: FileSystem,
  index: DatasetIndex,
  client: TrainingClient,
  model: RemoteModel,
  options: RemotePrelabelOptions = {},
): Promise<RemotePrelabelResult> {
  const { signal } = options;
  const modelFs = model.fs ?? fs;
  const card = await modelFs.readFile(model.cardPath).catch(() => {
    throw new ConfigError(model.cardPath, 'not found: pre-labeling on the backend needs the model card next to the model', 'write one with "seglab card"');
  });
  const entries = prelabelEntries(index, options);
  const uploaded = await uploadForJob(fs, index, entries, client, await modelFs.readFile(model.path), card, options);
  const job = await client.createPrediction({ ...uploaded, onlyUnlabeled: options.onlyUnlabeled, tileSize: options.tileSize });
  const outDir = options.outDir ?? joinPath(index.root, index.config.predictionsDir, job.model.name);
  checkOutDir(index, outDir);
  await fs.createDirectory(outDir);
  const received = new Set<string>();
  const fetchNew = async () => {
    for (const stem of await client.predictionImages(job.id)) {
      if (received.has(stem)) continue;
      await fs.writeFileAtomic(joinPath(outDir, `${stem}.png`), await client.predictionImage(job.id, stem));
      received.add(stem);
    }
  };
  let end: PredictionRecord;
  try {
    end = await followOnBackend(client, job.id, fetchNew, options);
  } finally {
    await saveManifest(fs, client, job.id, outDir, received);
  }
  return {
    outDir,
    jobId: job.id,
    total: entries.length,
    received: [...received].sort(),
    failed: end.failed ?? [],
    cancelled: Boolean(signal?.aborted),
    state: end.state,
    error: end.error,
  };
}

/** Uploads the images of `entries` and the model with its card: the ids a prediction or embedding job names. */
export async function uploadForJob(
  fs: FileSystem,
  index: DatasetIndex,
  entries: ImageEntry[],
  client: TrainingClient,
  onnx: Uint8Array,
  card: Uint8Array,
  options: Pick<RemotePrelabelOptions, 'signal' | 'onProgress'>,
): Promise<{ dataset: string; model: string }> {
  const images = await packageImages(fs, index, entries, (p) => options.onProgress?.({ ...p, stage: 'upload' }));
  const dataset = await client.uploadDataset(images, undefined, options.signal, true);
  return { dataset: dataset.id, model: await client.uploadModel(await packageModel(onnx, card), options.signal) };
}

/**
 * Follows a prediction job to its end, running `fetchNew` (one at a time) after each progress event and
 * once at the end; an aborted `signal` cancels the job and waits for its end, so what it finished still arrives.
 */
export async function followOnBackend(
  client: TrainingClient,
  jobId: string,
  fetchNew: () => Promise<void>,
  options: Pick<RemotePrelabelOptions, 'signal' | 'onProgress'>,
): Promise<PredictionRecord> {
  const { signal } = options;
  // one fetch at a time: events arrive faster than results download
  let fetching = Promise.resolve();
  const next = () => (fetching = fetching.then(fetchNew));
  try {
    let end = await followJob<PredictionRecord>(
      client,
      jobId,
      (e) => {
        if (e.type !== 'progress') return;
        options.onProgress?.({ stage: 'predict', done: Number(e.done), total: Number(e.total) });
        void next().catch(() => undefined); // a failed fetch is retried by the next event, or at the end
      },
      signal,
      'predictions',
    );
    if (signal?.aborted) {
      // the backend stops between images: its end state, and the results it finished, are still worth having
      await client.cancelPrediction(jobId);
      end = await followJob<PredictionRecord>(client, jobId, () => undefined, undefined, 'predictions');
    }
    await next();
    return end;
  } finally {
    await fetching.catch(() => undefined);
  }
}

/** The backend's per-image records of the masks that arrived, merged into the folder's manifest. */
async function saveManifest(fs: FileSystem, client: TrainingClient, jobId: string, outDir: string, received: Set<string>): Promise<void> {
  if (received.size === 0) return;
  const summary = await client.predictionSummary(jobId);
  const manifest = await readManifest(fs, outDir, summary.model, summary.sha256);
  Object.assign(manifest, { sha256: summary.sha256, mapping: summary.mapping });
  for (const stem of received) if (summary.images[stem]) manifest.images[stem] = summary.images[stem];
  await writeManifest(fs, outDir, manifest);
}
