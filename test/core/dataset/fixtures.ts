/** Datasets generated on disk for the dataset and CLI tests: VOC, CVAT exports and plain layouts. */
import { encode as encodePng } from 'fast-png';
import { encode as encodeJpeg } from 'jpeg-js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { vocColor, type ClassDef, type Rgb } from '../../../src/core/classes';

/** A temporary folder removed when the test ends. */
export function tempDir(t: { after(fn: () => void): void }, prefix = 'seglab-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeFile(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}

export function jpegImage(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 255;
  return encodeJpeg({ width, height, data }, 80).data;
}

export function pngImage(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 3).map((_, i) => (i * 13) & 255);
  return encodePng({ width, height, data, channels: 3, depth: 8 });
}

/** An 8-bit palette PNG with VOC colours, as VOC's SegmentationClass masks are. */
export function indexedMask(width: number, height: number, values: Uint8Array): Uint8Array {
  const palette = Array.from({ length: 256 }, (_, i) => vocColor(i));
  return encodePng({ width, height, data: values, channels: 1, depth: 8, palette });
}

/** An RGB colour mask, as CVAT exports: each pixel the colour of its class. */
export function rgbMask(width: number, height: number, values: Uint8Array, classes: readonly ClassDef[]): Uint8Array {
  const colors = new Map<number, Rgb>(classes.map((c) => [c.id, c.color]));
  const data = new Uint8Array(width * height * 3);
  values.forEach((v, i) => data.set(colors.get(v) ?? [255, 255, 255], i * 3));
  return encodePng({ width, height, data, channels: 3, depth: 8 });
}

/** Deterministic mask values 0..numClasses-1 with an ignore (255) border row. */
export function maskValues(width: number, height: number, numClasses: number, seed = 1): Uint8Array {
  const v = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) v[y * width + x] = y === 0 ? 255 : (Math.floor(x / 3) + y + seed) % numClasses;
  }
  return v;
}

export interface FixtureImage {
  stem: string;
  width?: number;
  height?: number;
  /** false: no mask. */
  mask?: boolean;
  ext?: 'jpg' | 'png';
}

export const W = 12;
export const H = 8;

/** A VOC-layout dataset (JPEGImages, SegmentationClass, ImageSets/Segmentation/<split>.txt). */
export function makeVoc(root: string, images: FixtureImage[], splits: Record<string, string[]> = {}): void {
  images.forEach((img, i) => {
    const w = img.width ?? W;
    const h = img.height ?? H;
    const ext = img.ext ?? 'jpg';
    writeFile(join(root, 'JPEGImages', `${img.stem}.${ext}`), ext === 'jpg' ? jpegImage(w, h) : pngImage(w, h));
    if (img.mask !== false) writeFile(join(root, 'SegmentationClass', `${img.stem}.png`), indexedMask(w, h, maskValues(w, h, 21, i)));
  });
  for (const [name, stems] of Object.entries(splits)) {
    writeFile(join(root, 'ImageSets', 'Segmentation', `${name}.txt`), stems.join('\n') + '\n');
  }
}

export const CVAT_CLASSES: ClassDef[] = [
  { id: 0, name: 'background', color: [0, 0, 0] },
  { id: 1, name: 'road', color: [128, 64, 128] },
  { id: 2, name: 'car', color: [0, 0, 142] },
  { id: 3, name: 'person', color: [220, 20, 60] },
];

/** A CVAT "Segmentation mask 1.1" export: labelmap.txt and RGB colour masks, default.txt split. */
export function makeCvat(root: string, stems: string[]): void {
  const labelmap = ['# label:color_rgb:parts:actions', ...CVAT_CLASSES.map((c) => `${c.name}:${c.color.join(',')}::`)];
  writeFile(join(root, 'labelmap.txt'), labelmap.join('\n') + '\n');
  stems.forEach((stem, i) => {
    writeFile(join(root, 'JPEGImages', `${stem}.jpg`), jpegImage(W, H));
    const values = maskValues(W, H, CVAT_CLASSES.length, i).map((v) => (v === 255 ? 0 : v));
    writeFile(join(root, 'SegmentationClass', `${stem}.png`), rgbMask(W, H, values, CVAT_CLASSES));
  });
  writeFile(join(root, 'ImageSets', 'Segmentation', 'default.txt'), stems.join('\n') + '\n');
}

export const TINY_CLASSES: ClassDef[] = [
  { id: 0, name: 'bg', color: [0, 0, 0] },
  { id: 1, name: 'fg', color: [255, 0, 0] },
];

/**
 * A 2-class seglab dataset of 2x2 masks with hand-computable scores (model "unet"):
 *   a: gt [0,0,1,1]   pred [0,1,1,1]   (train)
 *   b: gt [1,1,255,0] no prediction     (train)
 *   c: gt [1,1,1,1]   pred [1,1,1,1]   (val)
 * Over a and c: bg I=1 U=2, fg I=6 U=7; 7 of 8 pixels right.
 */
export function makeTiny(root: string): void {
  writeFile(join(root, 'seglab.json'), JSON.stringify({ classes: TINY_CLASSES, splits: { train: 'train.txt', val: 'val.txt' } }));
  writeFile(join(root, 'train.txt'), 'a\nb\n');
  writeFile(join(root, 'val.txt'), 'c\n');
  const masks: Record<string, [number[], number[] | undefined]> = {
    a: [
      [0, 0, 1, 1],
      [0, 1, 1, 1],
    ],
    b: [[1, 1, 255, 0], undefined],
    c: [
      [1, 1, 1, 1],
      [1, 1, 1, 1],
    ],
  };
  for (const [stem, [gt, pred]] of Object.entries(masks)) {
    writeFile(join(root, 'images', `${stem}.png`), pngImage(2, 2));
    writeFile(join(root, 'masks', `${stem}.png`), indexedMask(2, 2, new Uint8Array(gt)));
    if (pred) writeFile(join(root, 'predictions', 'unet', `${stem}.png`), indexedMask(2, 2, new Uint8Array(pred)));
  }
}
