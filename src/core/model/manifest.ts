/**
 * `<predictions>/<model>/.seglab-model.json`: which model (by ONNX sha256) produced each
 * prediction mask in the folder, and the mask's mean confidence. Re-runs skip images already
 * predicted by the same model file; "Next Uncertain Image" orders images by mean confidence.
 */
import type { FileSystem } from '../fileSystem';
import { joinPath } from '../paths';
import type { ClassMapping } from './classMapping';

export const MANIFEST_FILE = '.seglab-model.json';

export interface ImageRecord {
  /** sha256 of the ONNX file that produced the mask. */
  sha256: string;
  /** Mean top-class probability over the image, 0-1. */
  meanConfidence: number;
  /** Fraction of pixels with confidence below 0.5. */
  uncertainFraction: number;
  /** Pixels per mask value (class id, or the ignore index), values that occur only. */
  classPixels?: Record<string, number>;
}

export interface PredictionManifest {
  version: 1;
  model: string;
  /** The model that wrote last. */
  sha256: string;
  /** How that model's classes became the dataset's (seglab miou says it). */
  mapping?: ClassMapping;
  images: Record<string, ImageRecord>;
}

/** The folder's manifest; an unreadable one counts as empty (every image is then predicted again). */
export async function readManifest(fs: FileSystem, folder: string, model: string, sha256: string): Promise<PredictionManifest> {
  const empty: PredictionManifest = { version: 1, model, sha256, images: {} };
  const path = joinPath(folder, MANIFEST_FILE);
  if ((await fs.stat(path))?.type !== 'file') return empty;
  try {
    const raw = JSON.parse(new TextDecoder().decode(await fs.readFile(path))) as Partial<PredictionManifest>;
    if (raw.version !== 1 || typeof raw.images !== 'object' || raw.images === null) return empty;
    return { ...empty, images: raw.images, ...(raw.mapping ? { mapping: raw.mapping } : {}) };
  } catch {
    return empty;
  }
}

export function writeManifest(fs: FileSystem, folder: string, manifest: PredictionManifest): Promise<void> {
  return fs.writeFileAtomic(joinPath(folder, MANIFEST_FILE), new TextEncoder().encode(JSON.stringify(manifest, null, 1) + '\n'));
}

export function confidenceStats(confidence: Uint8Array): Omit<ImageRecord, 'sha256'> {
  let sum = 0;
  let low = 0;
  for (let i = 0; i < confidence.length; i++) {
    sum += confidence[i];
    if (confidence[i] < 128) low++;
  }
  const n = Math.max(1, confidence.length);
  return { meanConfidence: sum / n / 255, uncertainFraction: low / n };
}

/** Pixels per value of a label map, values that occur only (the per-image summary of a pre-labeling run). */
export function classPixels(labels: Uint8Array): Record<string, number> {
  const counts = new Uint32Array(256);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  const out: Record<string, number> = {};
  counts.forEach((n, v) => {
    if (n > 0) out[v] = n;
  });
  return out;
}

/**
 * "Next Uncertain Image": stems with a recorded prediction, least confident first (mean
 * confidence, then the share of uncertain pixels); `exclude` drops e.g. images already labeled.
 */
export function uncertainOrder(manifest: PredictionManifest, exclude: ReadonlySet<string> = new Set()): string[] {
  return Object.entries(manifest.images)
    .filter(([stem]) => !exclude.has(stem))
    .sort(([a, x], [b, y]) => x.meanConfidence - y.meanConfidence || y.uncertainFraction - x.uncertainFraction || a.localeCompare(b))
    .map(([stem]) => stem);
}
