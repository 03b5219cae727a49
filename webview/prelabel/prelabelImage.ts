/**
 * "Pre-label Image" in the mask editor webview: the active model on the open image (WebGPU, or
 * WASM), turned into one reversible edit of the current mask. The editor posts the returned
 * delta as an Edit labelled "Pre-label Image" and keeps `confidence` for the overlay.
 * When `engine.chosenProvider()` is 'wasm', the editor should ask the host instead (its
 * HostPredictor runs native ONNX Runtime, several times faster) and pass that prediction to
 * `predictionEdit` directly.
 */
import type { ClassDef } from '../../src/core/classes';
import type { PixelGrid } from '../../src/core/editing/grid';
import { predictionEdit, type PredictionEdit } from '../../src/core/model/applyPrediction';
import type { ModelCard } from '../../src/core/model/card';
import type { RgbImage } from '../../src/core/model/image';
import { resolveForBackend } from '../../src/core/model/load';
import { predict } from '../../src/core/model/pipeline';
import type { WebEngine } from './engine';

export interface WebModel {
  /** Shown in errors (the model's file name). */
  path: string;
  sha256: string;
  bytes: Uint8Array;
  card?: ModelCard;
  cardPath?: string;
}

export interface PrelabelImageArgs {
  engine: WebEngine;
  model: WebModel;
  /** The image as drawn (canvas ImageData is RGBA: channels 4). */
  image: RgbImage;
  mask: PixelGrid;
  classes: readonly ClassDef[];
  ignoreIndex: number;
  /** Overwrite labeled pixels too (default: only background and ignore pixels). */
  replace?: boolean;
  /** 0-255; less confident pixels are left as they are. */
  minConfidence?: number;
  signal?: AbortSignal;
}

export interface PrelabelImageResult {
  /** Undefined when the prediction changes no pixel. */
  edit?: PredictionEdit;
  confidence: Uint8Array;
  provider: string;
  milliseconds: number;
  defaults: string[];
}

/** The class treated as "unlabeled" besides the ignore index: one named background, else id 0. */
export function backgroundId(classes: readonly ClassDef[]): number | undefined {
  return classes.find((c) => c.name.trim().toLowerCase() === 'background')?.id ?? classes.find((c) => c.id === 0)?.id;
}

export async function prelabelImage(a: PrelabelImageArgs): Promise<PrelabelImageResult> {
  const start = performance.now();
  const backend = await a.engine.backend(a.model.sha256, a.model.bytes);
  const found = a.model.card ? { card: a.model.card, path: a.model.cardPath ?? a.model.path } : undefined;
  const model = await resolveForBackend(backend, a.model.path, found, { classes: a.classes, ignoreIndex: a.ignoreIndex, path: 'dataset' });
  const p = await predict(a.image, model, backend, { signal: a.signal });
  const bg = backgroundId(a.classes);
  const edit = predictionEdit(a.mask, p.labels, p.confidence, {
    unlabeledValues: bg === undefined ? [a.ignoreIndex] : [bg, a.ignoreIndex],
    replace: a.replace,
    minConfidence: a.minConfidence,
  });
  return { edit, confidence: p.confidence, provider: backend.provider, milliseconds: performance.now() - start, defaults: model.defaults };
}
