/**
 * Generated mIoU datasets for the tests and bench/miou.bench.ts: label masks made of a few
 * class blobs on a background, and predictions that are the labels with shifted, grown or
 * dropped blobs (so every image scores differently), plus train/val split files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClassDef } from '../../src/core/classes';
import { encodeMask } from '../../src/core/mask/codec';
import { rng } from '../core/metrics/random';

export const MIOU_CLASSES: ClassDef[] = [
  { id: 0, name: 'background', color: [0, 0, 0] },
  { id: 1, name: 'cell', color: [230, 25, 75] },
  { id: 2, name: 'nucleus', color: [60, 180, 75] },
  { id: 3, name: 'debris', color: [255, 225, 25] },
  { id: 4, name: 'membrane', color: [0, 130, 200] },
];

interface Blob {
  cx: number;
  cy: number;
  r: number;
  cls: number;
}

function blobs(seed: number, width: number, height: number): Blob[] {
  const random = rng(seed);
  const n = 3 + Math.floor(random() * 6);
  return Array.from({ length: n }, () => ({
    cx: random() * width,
    cy: random() * height,
    r: (0.04 + random() * 0.16) * Math.min(width, height),
    cls: 1 + Math.floor(random() * (MIOU_CLASSES.length - 1)),
  }));
}

/** Wobbly discs, later blobs over earlier ones, and a band of ignore (255) pixels at the top. */
function paint(list: Blob[], width: number, height: number, ignoreRows: number): Uint8Array {
  const data = new Uint8Array(width * height);
  for (const { cx, cy, r, cls } of list) {
    const y0 = Math.max(0, Math.floor(cy - r * 1.2));
    const y1 = Math.min(height, Math.ceil(cy + r * 1.2));
    for (let y = y0; y < y1; y++) {
      for (let x = Math.max(0, Math.floor(cx - r * 1.2)); x < Math.min(width, Math.ceil(cx + r * 1.2)); x++) {
        const dx = x - cx;
        const dy = y - cy;
        const wobble = 1 + 0.15 * Math.sin(Math.atan2(dy, dx) * 5);
        if (dx * dx + dy * dy < r * r * wobble * wobble) data[y * width + x] = cls;
      }
    }
  }
  data.fill(255, 0, ignoreRows * width);
  return data;
}

/** Label and prediction values of image `i`. */
export function maskPair(i: number, width: number, height: number): { gt: Uint8Array; pred: Uint8Array } {
  const list = blobs(i + 1, width, height);
  const random = rng(1000 + i);
  const predicted = list
    .filter(() => random() > 0.15)
    .map((b) => ({ ...b, cx: b.cx + (random() - 0.5) * b.r * 0.4, r: b.r * (0.85 + random() * 0.3), cls: random() < 0.1 ? 1 + ((b.cls + 1) % 4) : b.cls }));
  return { gt: paint(list, width, height, Math.floor(height / 64)), pred: paint(predicted, width, height, 0) };
}

export interface GeneratedDataset {
  root: string;
  stems: string[];
}

const pngOf = (data: Uint8Array, width: number, height: number) => encodeMask({ width, height, data }, MIOU_CLASSES, 255);

/**
 * A seglab dataset in `root`: images/ (tiny placeholder files: the mIoU never reads them),
 * masks/, predictions/<model>/ for all images but every 7th, and train/val splits (every 4th
 * image in val). `labeled: false` leaves masks/ empty.
 */
export function generateDataset(
  root: string,
  count: number,
  opts: { width?: number; height?: number; model?: string; labeled?: boolean; predicted?: boolean } = {},
): GeneratedDataset {
  const { width = 64, height = 48, model = 'unet', labeled = true, predicted = true } = opts;
  for (const dir of ['images', 'masks', join('predictions', model)]) mkdirSync(join(root, dir), { recursive: true });
  const classes = MIOU_CLASSES.map(({ id, name, color }) => ({ id, name, color }));
  writeFileSync(join(root, 'seglab.json'), JSON.stringify({ name: 'generated', classes, splits: { train: 'train.txt', val: 'val.txt' } }));
  const stems = Array.from({ length: count }, (_, i) => `img_${String(i).padStart(5, '0')}`);
  stems.forEach((stem, i) => {
    const { gt, pred } = maskPair(i, width, height);
    writeFileSync(join(root, 'images', `${stem}.png`), pngOf(new Uint8Array(width * height), width, height));
    if (labeled) writeFileSync(join(root, 'masks', `${stem}.png`), pngOf(gt, width, height));
    if (predicted && i % 7 !== 6) writeFileSync(join(root, 'predictions', model, `${stem}.png`), pngOf(pred, width, height));
  });
  writeFileSync(join(root, 'train.txt'), stems.filter((_, i) => i % 4 !== 3).join('\n') + '\n');
  writeFileSync(join(root, 'val.txt'), stems.filter((_, i) => i % 4 === 3).join('\n') + '\n');
  return { root, stems };
}

/** Rewrites one label mask with other values (a user's correction). */
export function editMask(root: string, stem: string, width = 64, height = 48): void {
  const data = maskPair(Number(stem.slice(4)), width, height).pred;
  writeFileSync(join(root, 'masks', `${stem}.png`), pngOf(data, width, height));
}
