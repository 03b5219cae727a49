/** Datasets and models on disk for the pre-labeling tests. */
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { indexedMask, jpegImage, pngImage, writeFile } from '../core/dataset/fixtures';
import { TEST_CLASSES } from '../model/testModels';

export interface PrelabelFixture {
  root: string;
  labeled: string[];
  unlabeled: string[];
}

/** A seglab dataset with the test models' classes: `count` images of 40x30, the first `labeled` with masks. */
export function makeDataset(root: string, count: number, labeled: number): PrelabelFixture {
  writeFile(join(root, 'seglab.json'), JSON.stringify({ name: 'prelabel-test', classes: TEST_CLASSES }));
  const stems = Array.from({ length: count }, (_, i) => `img${String(i).padStart(3, '0')}`);
  stems.forEach((stem, i) => {
    writeFile(join(root, 'images', `${stem}.${i % 2 ? 'png' : 'jpg'}`), i % 2 ? pngImage(40, 30) : jpegImage(40, 30));
    if (i < labeled) writeFile(join(root, 'masks', `${stem}.png`), indexedMask(40, 30, new Uint8Array(40 * 30).fill(1)));
  });
  return { root, labeled: stems.slice(0, labeled), unlabeled: stems.slice(labeled) };
}

/** Copies a test model (and its card when it has one) into `dir`. */
export function copyModel(modelsDir: string, name: string, dir: string): string {
  for (const f of readdirSync(modelsDir).filter((f) => f === `${name}.onnx` || f === `${name}.json`)) {
    writeFile(join(dir, f), new Uint8Array());
    copyFileSync(join(modelsDir, f), join(dir, f));
  }
  return join(dir, `${name}.onnx`);
}
