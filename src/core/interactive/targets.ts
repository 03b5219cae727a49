/**
 * The NoC protocol's targets: every 4-connected region of every non-background class (class 0 is
 * background, as in Pascal VOC) with at least `minArea` pixels. Ignore pixels are no target and
 * are left out of every IoU (`valid` is 0 there).
 */
import { connectedComponents } from './components';

export const DEFAULT_MIN_AREA = 64;
export const BACKGROUND_CLASS = 0;

export interface Target {
  classId: number;
  /** 0/1, row-major, the image's size. */
  mask: Uint8Array;
  area: number;
  /** The region's first pixel in row-major order: where it is, for reports. */
  x: number;
  y: number;
}

export interface LabelMask {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Targets in class order, then in row-major order of their first pixel. */
export function findTargets(labels: LabelMask, ignoreIndex: number, minArea = DEFAULT_MIN_AREA): Target[] {
  const { width, height, data } = labels;
  const present = [...new Set(data)].filter((v) => v !== BACKGROUND_CLASS && v !== ignoreIndex).sort((a, b) => a - b);
  const targets: Target[] = [];
  for (const classId of present) {
    const ofClass = data.map((v) => (v === classId ? 1 : 0));
    const { labels: regions, sizes } = connectedComponents(ofClass, width, height);
    const firsts = new Int32Array(sizes.length).fill(-1);
    for (let i = 0; i < regions.length; i++) if (regions[i] && firsts[regions[i] - 1] < 0) firsts[regions[i] - 1] = i;
    sizes.forEach((area, k) => {
      if (area < minArea) return;
      const mask = Uint8Array.from(regions, (r) => (r === k + 1 ? 1 : 0));
      targets.push({ classId, mask, area, x: firsts[k] % width, y: Math.floor(firsts[k] / width) });
    });
  }
  return targets;
}

/** 1 where a pixel counts for IoU and may be clicked, 0 at ignore pixels. */
export function validPixels(labels: LabelMask, ignoreIndex: number): Uint8Array {
  return labels.data.map((v) => (v === ignoreIndex ? 0 : 1));
}
