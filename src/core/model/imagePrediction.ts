/**
 * One image's prediction from either engine of "Pre-label Image" (WebGPU in the mask editor's
 * webview, or native ONNX Runtime in the extension host) and the one rule that turns it into a
 * mask edit. A prediction from the webview is untrusted: `checkPrediction` refuses one whose size
 * or class ids do not fit the mask before anything is applied.
 */
import type { ClassDef } from '../classes';
import type { PixelGrid } from '../editing/grid';
import { predictionEdit, type PredictionEdit } from './applyPrediction';

export interface ImagePrediction {
  width: number;
  height: number;
  /** Class id per pixel, row-major. */
  labels: Uint8Array;
  /** Top class probability per pixel, 0-255. */
  confidence: Uint8Array;
  /** Where it ran, for the status line: e.g. "webgpu" or "cpu (onnxruntime-node)". */
  provider: string;
  milliseconds: number;
}

export interface PrelabelRules {
  classes: readonly ClassDef[];
  ignoreIndex: number;
  /** Overwrite labeled pixels too (default: only background and ignore pixels). */
  replace: boolean;
  /** 0-255; less confident pixels are left as they are. */
  minConfidence: number;
}

/** The class treated as "unlabeled" besides the ignore index: one named background, else id 0. */
export function backgroundId(classes: readonly ClassDef[]): number | undefined {
  return classes.find((c) => c.name.trim().toLowerCase() === 'background')?.id ?? classes.find((c) => c.id === 0)?.id;
}

/** Throws (naming `source`) unless the prediction covers the mask pixel for pixel with the dataset's class ids. */
export function checkPrediction(p: ImagePrediction, mask: PixelGrid, rules: Pick<PrelabelRules, 'classes' | 'ignoreIndex'>, source: string): void {
  const n = mask.width * mask.height;
  if (p.width !== mask.width || p.height !== mask.height) {
    throw new Error(`${source}: the prediction is ${p.width}x${p.height}, the mask ${mask.width}x${mask.height}`);
  }
  if (p.labels.length !== n || p.confidence.length !== n) {
    throw new Error(`${source}: the prediction has ${p.labels.length} labels and ${p.confidence.length} confidences for ${n} pixels`);
  }
  const known = new Uint8Array(256);
  for (const c of rules.classes) known[c.id] = 1;
  known[rules.ignoreIndex] = 1;
  const bad = p.labels.find((v) => !known[v]);
  if (bad !== undefined) throw new Error(`${source}: the prediction contains class id ${bad}, which the dataset does not define`);
}

/** The edit that applies the prediction under the settings; undefined when it changes no pixel. */
export function prelabelEdit(mask: PixelGrid, p: ImagePrediction, rules: PrelabelRules): PredictionEdit | undefined {
  const bg = backgroundId(rules.classes);
  return predictionEdit(mask, p.labels, p.confidence, {
    unlabeledValues: bg === undefined ? [rules.ignoreIndex] : [bg, rules.ignoreIndex],
    replace: rules.replace,
    minConfidence: rules.minConfidence,
    unlabeledPrediction: rules.ignoreIndex,
  });
}
