/**
 * Batch pre-labeling of a dataset (the "Pre-label Dataset" command and `seglab prelabel`):
 * each image's prediction mask goes to `<predictions>/<model>/<stem>.png` (indexed PNG, atomic
 * write); label masks are never written. One bad image is reported and skipped; cancelling
 * stops between images (or tiles) and leaves only complete files.
 */
import type { DatasetIndex } from '../dataset/types';
import { ConfigError, DataError, errorDetail } from '../errors';
import type { FileSystem } from '../fileSystem';
import { encodeMask } from '../mask/codec';
import { isInside, joinPath, normalPath } from '../paths';
import { decodeImage } from './image';
import type { LoadedModel } from './load';
import { classPixels, confidenceStats, readManifest, writeManifest } from './manifest';
import { predict, type PredictOptions } from './pipeline';

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

export async function prelabelDataset(fs: FileSystem, index: DatasetIndex, loaded: LoadedModel, options: PrelabelOptions = {}): Promise<PrelabelResult> {
  const now = options.now ?? (() => Date.now());
  const start = now();
  const { config } = index;
  const outDir = options.outDir ?? joinPath(index.root, config.predictionsDir, loaded.model.name);
  checkOutDir(index, outDir);
  const labelMasks = new Set(index.images.filter((e) => e.mask).map((e) => normalPath(joinPath(index.root, e.mask!))));
  const entries = prelabelEntries(index, options);
  await fs.createDirectory(outDir);
  const manifest = await readManifest(fs, outDir, loaded.model.name, loaded.sha256);
  manifest.sha256 = loaded.sha256;
  manifest.mapping = loaded.model.mapping;
  const result: PrelabelResult = { outDir, total: entries.length, written: [], skipped: [], failed: [], cancelled: false, seconds: 0, warnings: [] };
  const seen = new Uint8Array(256);
  let lastSave = now();
  let predicted = 0;
  let busy = 0;
  try {
    for (const [i, entry] of entries.entries()) {
      if (options.signal?.aborted) {
        result.cancelled = true;
        break;
      }
      const target = joinPath(outDir, `${entry.stem}.png`);
      if (manifest.images[entry.stem]?.sha256 === loaded.sha256 && (await fs.stat(target))?.type === 'file') {
        result.skipped.push(entry.stem);
        continue;
      }
      options.onProgress?.({
        done: i,
        total: entries.length,
        current: entry.stem,
        secondsLeft: predicted > 0 ? (busy / predicted / 1000) * (entries.length - i) : undefined,
      });
      const t0 = now();
      const imagePath = joinPath(index.root, entry.image);
      try {
        if (labelMasks.has(normalPath(target))) throw new DataError(target, 'is a label mask; not overwritten');
        const image = await decodeImage(await fs.readFile(imagePath), imagePath);
        const p = await predict(image, loaded.model, loaded.backend, { ...options.predict, signal: options.signal });
        const png = encodeMask({ width: p.width, height: p.height, data: p.labels }, config.classes, config.ignoreIndex);
        if (options.signal?.aborted) throw options.signal.reason;
        await fs.writeFileAtomic(target, png);
        manifest.images[entry.stem] = { sha256: loaded.sha256, ...confidenceStats(p.confidence), classPixels: classPixels(p.labels) };
        markValues(p.labels, seen);
        result.written.push(entry.stem);
        predicted++;
        busy += now() - t0;
      } catch (error) {
        if (options.signal?.aborted) {
          result.cancelled = true;
          break;
        }
        result.failed.push({ path: error instanceof DataError ? error.path : imagePath, message: errorDetail(error) });
      }
      if (now() - lastSave > MANIFEST_SAVE_MS) {
        await writeManifest(fs, outDir, manifest);
        lastSave = now();
      }
    }
  } finally {
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
