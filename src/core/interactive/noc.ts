/**
 * The NoC protocol of interactive segmentation (RITM, FocalClick, SimpleClick): a simulated user
 * (clickRobot.ts) clicks on each target up to `maxClicks` times; the IoU is taken after every
 * click; NoC@t is the number of clicks until IoU >= t (`maxClicks` when never reached), NoF@t the
 * share of targets that never reach t. Every target gets all `maxClicks` clicks, so the mean IoU
 * after k clicks is defined for every k; once the prediction equals the target no click is left
 * to make, and the IoU stays as it is.
 */
import { nextClick, type Click } from './clickRobot';
import type { Target } from './targets';

export const DEFAULT_MAX_CLICKS = 20;
export const DEFAULT_THRESHOLDS = [0.85, 0.9];

/** One target's interactive segmentation: every click so far (the newest last) gives the 0/1 prediction. */
export type Segmenter = (clicks: readonly Click[]) => Promise<Uint8Array>;

export interface TargetRun {
  clicks: Click[];
  /** ious[k - 1]: IoU after k clicks, k = 1..maxClicks. */
  ious: number[];
}

/** IoU of two 0/1 masks over the valid pixels; 1 when both are empty there. */
export function maskIou(prediction: Uint8Array, target: Uint8Array, valid: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < target.length; i++) {
    if (!valid[i]) continue;
    const p = prediction[i] !== 0;
    const t = target[i] !== 0;
    if (p && t) inter++;
    if (p || t) union++;
  }
  return union === 0 ? 1 : inter / union;
}

export async function runTarget(
  target: Target,
  valid: Uint8Array,
  width: number,
  height: number,
  segment: Segmenter,
  maxClicks = DEFAULT_MAX_CLICKS,
): Promise<TargetRun> {
  const clicks: Click[] = [];
  const ious: number[] = [];
  let prediction: Uint8Array = new Uint8Array(width * height);
  while (ious.length < maxClicks) {
    const click = nextClick(target.mask, prediction, valid, width, height);
    if (!click) {
      ious.push(ious.length === 0 ? 1 : ious[ious.length - 1]);
      continue;
    }
    clicks.push(click);
    prediction = await segment(clicks);
    if (prediction.length !== width * height) throw new Error(`a prediction of ${prediction.length} pixels for a ${width}x${height} image`);
    ious.push(maskIou(prediction, target.mask, valid));
  }
  return { clicks, ious };
}

/** Clicks until IoU >= threshold; ious.length (max-clicks) when never reached. */
export function clicksTo(ious: readonly number[], threshold: number): number {
  const k = ious.findIndex((v) => v >= threshold);
  return k < 0 ? ious.length : k + 1;
}

export function reached(ious: readonly number[], threshold: number): boolean {
  return ious.some((v) => v >= threshold);
}

export interface NocRow {
  targets: number;
  /** Per threshold, in the order given: mean NoC and the share of targets never reaching it (NoF). */
  noc: number[];
  nof: number[];
  /** meanIou[k - 1]: mean IoU after k clicks. */
  meanIou: number[];
}

export interface NocSummary {
  thresholds: number[];
  maxClicks: number;
  overall: NocRow;
  /** Classes with at least one target, by id. */
  classes: Array<NocRow & { classId: number }>;
}

function row(runs: ReadonlyArray<{ ious: readonly number[] }>, thresholds: readonly number[], maxClicks: number): NocRow {
  const n = runs.length;
  const mean = (f: (ious: readonly number[]) => number) => (n === 0 ? NaN : runs.reduce((s, r) => s + f(r.ious), 0) / n);
  return {
    targets: n,
    noc: thresholds.map((t) => mean((ious) => clicksTo(ious, t))),
    nof: thresholds.map((t) => mean((ious) => (reached(ious, t) ? 0 : 1))),
    meanIou: Array.from({ length: maxClicks }, (_, k) => mean((ious) => ious[k])),
  };
}

export function summarise(runs: ReadonlyArray<{ classId: number; ious: readonly number[] }>, thresholds: readonly number[], maxClicks: number): NocSummary {
  const ids = [...new Set(runs.map((r) => r.classId))].sort((a, b) => a - b);
  return {
    thresholds: [...thresholds],
    maxClicks,
    overall: row(runs, thresholds, maxClicks),
    classes: ids.map((classId) => ({
      classId,
      ...row(
        runs.filter((r) => r.classId === classId),
        thresholds,
        maxClicks,
      ),
    })),
  };
}
