/**
 * The known-answer promptable pair (scripts/models/build_promptable_models.py) and the answers
 * its decoder must give, computed here independently of the runtime under test.
 */
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RgbImage } from '../../../src/core/model/image';
import { SAM_MEAN, SAM_STD } from '../../../src/core/model/promptable/card';
import { promptableModelsDir } from '../testModels';

/** The decoder's radius in frame units, per candidate, and its base scores. */
export const RADII = [40, 20, 80];
export const BASE_SCORES = [0.5, 0.9, 0.7];

/** Copies the pair into `dir` with a card `sam_test.json` (SAM's names, no sha256); returns the card's path. */
export async function samTestCard(dir: string, extra: Record<string, unknown> = {}): Promise<string> {
  const models = await promptableModelsDir();
  for (const part of ['encoder', 'decoder']) copyFileSync(join(models, `sam_test.${part}.onnx`), join(dir, `sam_test.${part}.onnx`));
  const card = {
    kind: 'promptable',
    family: 'sam',
    name: 'sam-test',
    encoder: { file: 'sam_test.encoder.onnx', input: { name: 'image' } },
    decoder: { file: 'sam_test.decoder.onnx' },
    ...extra,
  };
  const path = join(dir, 'sam_test.json');
  writeFileSync(path, JSON.stringify(card));
  return path;
}

export const COLOR = [200, 100, 50];

export function uniformImage(width: number, height: number): RgbImage {
  return { width, height, channels: 3, data: new Uint8Array(width * height * 3).map((_, i) => COLOR[i % 3]) };
}

/** SAM's resized size: floor(side * 1024 / longest + 0.5). */
export function resized(width: number, height: number): [number, number] {
  const s = 1024 / Math.max(width, height);
  return [Math.floor(width * s + 0.5), Math.floor(height * s + 0.5)];
}

/** Channel c of the test encoder's embeddings at cell (row i, column j) for a uniform image: the 16x16 mean of the padded input. */
export function expectedEmbedding(width: number, height: number, c: number, i: number, j: number): number {
  const [nw, nh] = resized(width, height);
  const rows = Math.min(16, Math.max(0, nh - 16 * i));
  const cols = Math.min(16, Math.max(0, nw - 16 * j));
  return ((COLOR[c] - SAM_MEAN[c]) / SAM_STD[c]) * ((rows * cols) / 256);
}

export type Pt = [x: number, y: number, label: 0 | 1];

/**
 * The decoder's mask for radius r: 1 within r (frame units) of a positive point or inside the box,
 * unless within r of a negative point. `uncertain` marks pixels within 0.01 of a boundary, where
 * float32 and float64 may disagree.
 */
export function expectedMask(
  width: number,
  height: number,
  points: Pt[],
  r: number,
  box?: [number, number, number, number],
): { mask: Uint8Array; uncertain: Uint8Array } {
  const [nw, nh] = resized(width, height);
  const sx = nw / width;
  const sy = nh / height;
  const mask = new Uint8Array(width * height);
  const uncertain = new Uint8Array(width * height);
  const positives = points.filter((p) => p[2] === 1);
  const negatives = points.filter((p) => p[2] === 0);
  const nearest = (list: Pt[], col: number, row: number) => {
    let d = Infinity;
    for (const p of list) d = Math.min(d, Math.hypot((col - p[0]) * sx, (row - p[1]) * sy));
    return d;
  };
  for (let row = 0; row < height; row++) {
    for (let col = 0; col < width; col++) {
      const pos = nearest(positives, col, row);
      const neg = nearest(negatives, col, row);
      const margin = box ? Math.min((col - box[0]) * sx, (box[2] - col) * sx, (row - box[1]) * sy, (box[3] - row) * sy) : -Infinity;
      const logit = Math.min(Math.max(r - pos, margin), neg - r);
      const i = row * width + col;
      mask[i] = logit > 0 ? 1 : 0;
      uncertain[i] = Math.abs(r - pos) < 0.01 || Math.abs(neg - r) < 0.01 || Math.abs(margin) < 0.01 ? 1 : 0;
    }
  }
  return { mask, uncertain };
}

/** Pixels where `got` differs from the expected mask, outside the uncertain band. */
export function mismatches(got: Uint8Array, expected: { mask: Uint8Array; uncertain: Uint8Array }): number {
  let n = 0;
  for (let i = 0; i < got.length; i++) if (!expected.uncertain[i] && got[i] !== expected.mask[i]) n++;
  return n;
}
