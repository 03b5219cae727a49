/**
 * "Pre-label Image" in the mask editor webview: the active model on the image as drawn, with the
 * WebEngine (WebGPU, or WASM). It returns the prediction only: the host checks it and applies it
 * through the same edit path as its own CPU run (src/core/model/imagePrediction.ts), so there is
 * one rule for what a pre-label changes.
 */
import type { ClassDef } from '../../src/core/classes';
import type { ModelCard } from '../../src/core/model/card';
import type { RgbImage } from '../../src/core/model/image';
import type { ImagePrediction } from '../../src/core/model/imagePrediction';
import { resolveForBackend } from '../../src/core/model/load';
import { predict } from '../../src/core/model/pipeline';
import type { WebEngine } from './engine';

export interface WebModel {
  /** Shown in errors (the model's file name). */
  path: string;
  sha256: string;
  /** The .onnx bytes, or a loader called only when no session of `sha256` is cached. */
  bytes: Uint8Array | (() => Promise<Uint8Array>);
  card?: ModelCard;
  cardPath?: string;
}

export interface RunModelArgs {
  engine: WebEngine;
  model: WebModel;
  /** The image as drawn (canvas ImageData is RGBA: channels 4). */
  image: RgbImage;
  classes: readonly ClassDef[];
  ignoreIndex: number;
  signal?: AbortSignal;
}

export interface WebPrediction extends ImagePrediction {
  /** Defaults the model resolution used (no card, or fields the card leaves out). */
  defaults: string[];
}

/** Runs the model on the image; `milliseconds` includes creating the session the first time. */
export async function runModel(a: RunModelArgs): Promise<WebPrediction> {
  const start = performance.now();
  const backend = await a.engine.backend(a.model.sha256, a.model.bytes);
  const found = a.model.card ? { card: a.model.card, path: a.model.cardPath ?? a.model.path } : undefined;
  const model = await resolveForBackend(backend, a.model.path, found, { classes: a.classes, ignoreIndex: a.ignoreIndex, path: 'dataset' });
  const p = await predict(a.image, model, backend, { signal: a.signal });
  return {
    width: p.width,
    height: p.height,
    labels: p.labels,
    confidence: p.confidence,
    provider: backend.provider,
    milliseconds: performance.now() - start,
    defaults: model.defaults,
  };
}
