/**
 * Batch pre-labeling of a dataset (the "Pre-label Dataset" command and `seglab prelabel`):
 * each image's prediction mask goes to `<predictions>/<model>/<stem>.png` (indexed PNG, atomic
 * write); label masks are never written. One bad image is reported and skipped; cancelling
 * stops between images (or tiles) and leaves only complete files.
 */
import type { DatasetConfig, DatasetIndex } from '../dataset/types';
import { ConfigError, DataError, errorDetail } from '../errors';
import type { FileSystem } from '../fileSystem';
import { encodeMask } from '../mask/codec';
import { isInside, joinPath, normalPath } from '../paths';
import { decodeImage } from './image';
import type { InferenceBackend } from './backend';
import type { LoadedModel } from './load';
import { classPixels, confidenceStats, readManifest, writeManifest, type ImageRecord } from './manifest';
import { predict, type PredictOptions } from './pipeline';
import type { ResolvedModel } from './resolve';

export interface PrelabelProgress {
  done: number;
  total: number;
  /** Estimated from the images predicted so far; undefined before the first. */
  secondsLeft?: number;
  current?: string;
}

export interface PrelabelOptions {
  onlyUnlabeled?: boolean;
  /** Only these image stems (one shard of a larger run). */
  stems?: ReadonlySet<string>;
  /** Default `<root>/<predictionsDir>/<model name>`. */
  outDir?: string;
  predict?: Pick<PredictOptions, 'tileSize' | 'overlap'>;
  /** Default: the loaded model's session, one image at a time (its `predict` options then apply). */
  runner?: PrelabelRunner;
  signal?: AbortSignal;
  onProgress?(progress: PrelabelProgress): void;
  now?(): number;
}

export interface PrelabelResult {
  outDir: string;
  total: number;
  written: string[];
  /** Already predicted by the same model file. */
  skipped: string[];
  failed: Array<{ path: string; message: string }>;
  cancelled: boolean;
  seconds: number;
  /** Whole-run findings, e.g. one class on every pixel of every prediction (a model read the wrong way). */
  warnings: string[];
}

const MANIFEST_SAVE_MS = 2000;

/** Predictions must stay out of the label masks and images folders. */
export function checkOutDir(index: DatasetIndex, outDir: string): void {
  const { root, config } = index;
  for (const [dir, what] of [
    [config.masksDir, 'label masks'],
    [config.imagesDir, 'images'],
  ] as const) {
    if (dir === '' || dir === '.') continue; // files in the root itself: guarded per file below
    const abs = joinPath(root, dir);
    if (isInside(outDir, abs)) {
      throw new ConfigError(outDir, `is inside the dataset's ${what} folder (${abs})`, 'predictions are written elsewhere so they never replace labels');
    }
  }
}

/** The images a run predicts, in order. */
export function prelabelEntries(index: DatasetIndex, options: Pick<PrelabelOptions, 'onlyUnlabeled' | 'stems'>): DatasetIndex['images'] {
  return index.images.filter((e) => (!options.onlyUnlabeled || !e.mask) && (!options.stems || options.stems.has(e.stem)));
}

/** One image's prediction, ready to write: the indexed PNG, its manifest record and the mask values that occur. */
export interface MaskPrediction {
  png: Uint8Array;
  record: Omit<ImageRecord, 'sha256'>;
  /** values[v] = 1 for each mask value v present. */
  values: Uint8Array;
}

/**
 * What turns an image file's bytes into its MaskPrediction: the loaded model's own session in
 * this thread (inProcessRunner), or a pool of sessions in worker threads (src/node/prelabelPool.ts)
 * that works on `slots` images at once. A per-image failure rejects with the image's error; a
 * failure of the runner itself (a worker that died) with a PrelabelRunnerError, which ends the run.
 */
export interface PrelabelRunner {
  slots: number;
  predict(bytes: Uint8Array, imagePath: string, signal?: AbortSignal): Promise<MaskPrediction>;
}

/** `path` is the model file the runner was running. */
export class PrelabelRunnerError extends DataError {
  override name = 'PrelabelRunnerError';
}

/** The whole per-image step (decode, predict, encode); the same code runs in a pool's workers. */
export async function predictMask(
  bytes: Uint8Array,
  imagePath: string,
  model: ResolvedModel,
  backend: InferenceBackend,
  config: Pick<DatasetConfig, 'classes' | 'ignoreIndex'>,
  options: Pick<PredictOptions, 'tileSize' | 'overlap' | 'signal'> = {},
): Promise<MaskPrediction> {
  const image = await decodeImage(bytes, imagePath);
  const p = await predict(image, model, backend, options);
  const png = encodeMask({ width: p.width, height: p.height, data: p.labels }, config.classes, config.ignoreIndex);
  const values = new Uint8Array(256);
  markValues(p.labels, values);
  return { png, record: { ...confidenceStats(p.confidence), classPixels: classPixels(p.labels) }, values };
}

function inProcessRunner(
  loaded: LoadedModel,
  config: Pick<DatasetConfig, 'classes' | 'ignoreIndex'>,
  options: PrelabelOptions['predict'] = {},
): PrelabelRunner {
  return { slots: 1, predict: (bytes, imagePath, signal) => predictMask(bytes, imagePath, loaded.model, loaded.backend, config, { ...options, signal }) };
}

interface Job {
  stem: string;
  imagePath: string;
  target: string;
  outcome: Promise<MaskPrediction>;
}

export async function prelabelDataset(fs: FileSystem, index: DatasetIndex, loaded: LoadedModel, options: PrelabelOptions = {}): Promise<PrelabelResult> {
  const now = options.now ?? (() => Date.now());
  const start = now();
  const { config } = index;
  const outDir = options.outDir ?? joinPath(index.root, config.predictionsDir, loaded.model.name);
  checkOutDir(index, outDir);
  const labelMasks = new Set(index.images.filter((e) => e.mask).map((e) => normalPath(joinPath(index.root, e.mask!))));
  const entries = prelabelEntries(index, options);
  const runner = options.runner ?? inProcessRunner(loaded, config, options.predict);
  await fs.createDirectory(outDir);
  const manifest = await readManifest(fs, outDir, loaded.model.name, loaded.sha256);
  manifest.sha256 = loaded.sha256;
  manifest.mapping = loaded.model.mapping;
  const result: PrelabelResult = { outDir, total: entries.length, written: [], skipped: [], failed: [], cancelled: false, seconds: 0, warnings: [] };
  const seen = new Uint8Array(256);
  let lastSave = now();
  let firstStart: number | undefined;
  // Images in flight, oldest first; results are written in entry order, so the files, the
  // manifest and `written` come out the same whatever the number of slots.
  const pending: Job[] = [];
  const finish = async (job: Job): Promise<void> => {
    try {
      const m = await job.outcome;
      if (options.signal?.aborted) throw options.signal.reason;
      await fs.writeFileAtomic(job.target, m.png);
      manifest.images[job.stem] = { sha256: loaded.sha256, ...m.record };
      m.values.forEach((v, i) => (seen[i] |= v));
      result.written.push(job.stem);
    } catch (error) {
      if (error instanceof PrelabelRunnerError) throw error;
      if (options.signal?.aborted) {
        result.cancelled = true;
        return;
      }
      result.failed.push({ path: error instanceof DataError ? error.path : job.imagePath, message: errorDetail(error) });
    }
    if (now() - lastSave > MANIFEST_SAVE_MS) {
      await writeManifest(fs, outDir, manifest);
      lastSave = now();
    }
  };
  try {
    for (const [i, entry] of entries.entries()) {
      while (pending.length >= runner.slots && !result.cancelled) await finish(pending.shift()!);
      if (result.cancelled || options.signal?.aborted) {
        result.cancelled = true;
        break;
      }
      const target = joinPath(outDir, `${entry.stem}.png`);
      if (manifest.images[entry.stem]?.sha256 === loaded.sha256 && (await fs.stat(target))?.type === 'file') {
        result.skipped.push(entry.stem);
        continue;
      }
      const predicted = result.written.length;
      const t = now();
      options.onProgress?.({
        done: i - pending.length,
        total: entries.length,
        current: entry.stem,
        secondsLeft: predicted > 0 && firstStart !== undefined ? ((t - firstStart) / predicted / 1000) * (entries.length - i) : undefined,
      });
      firstStart ??= t;
      const imagePath = joinPath(index.root, entry.image);
      const outcome = labelMasks.has(normalPath(target))
        ? Promise.reject(new DataError(target, 'is a label mask; not overwritten'))
        : fs.readFile(imagePath).then((bytes) => runner.predict(bytes, imagePath, options.signal));
      outcome.catch(() => undefined); // handled when its turn comes in finish()
      pending.push({ stem: entry.stem, imagePath, target, outcome });
    }
    while (pending.length > 0 && !result.cancelled) await finish(pending.shift()!);
  } finally {
    // Dropped after a cancel: nothing of theirs is written.
    await Promise.allSettled(pending.map((j) => j.outcome));
    await writeManifest(fs, outDir, manifest);
  }
  result.seconds = (now() - start) / 1000;
  const only = seen.indexOf(1);
  if (result.written.length > 1 && seen.lastIndexOf(1) === only) {
    const name = config.classes.find((c) => c.id === only)?.name ?? (only === config.ignoreIndex ? 'unlabeled' : '?');
    result.warnings.push(
      `every pixel of all ${result.written.length} predictions is class ${only} (${name}): check the model card (output.kind, normalisation, classes)`,
    );
  }
  options.onProgress?.({
    done: result.cancelled ? result.written.length + result.skipped.length + result.failed.length : entries.length,
    total: entries.length,
  });
  return result;
}

/** Sets seen[v] for each value in `labels`. */
function markValues(labels: Uint8Array, seen: Uint8Array): void {
  for (let i = 0; i < labels.length; i++) seen[labels[i]] = 1;
}
