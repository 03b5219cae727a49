/**
 * The workspace the extension tests open, generated before VS Code starts (see
 * scripts/run-vscode-tests.mjs). What the tests expect of it is in FIXTURE.
 */
import { join } from 'node:path';
import { configToJson, defaultConfig } from '../../src/core/dataset/config';
import { H, indexedMask, makeCvat, makeVoc, maskValues, pngImage, W, writeFile } from '../core/dataset/fixtures';

export const FIXTURE = {
  plain: {
    folder: 'plain',
    name: 'Fixture plain',
    images: 6,
    /** img_3's mask has the wrong size, so validation marks it invalid. */
    labeled: 3,
    invalid: 1,
    predicted: 1,
    unlabeled: 1,
    /** An orphan mask and the size mismatch. */
    problems: 2,
    /** models/: two cards recording a val mIoU and a model without a card; `best` is active on open. */
    models: { best: 'fixture-best', bestMiou: 0.91, other: 'fixture-other' },
  },
  voc: { folder: 'voc', images: 3, labeled: 2, unlabeled: 1 },
  /** A CVAT export without seglab.json, for "Create Dataset Config". */
  cvat: { folder: 'cvat', images: 2 },
  /** A folder that is no dataset. */
  notDataset: { folder: 'notes' },
  big: { folder: 'big', images: 2500 },
  /** A dataset outside the workspace, added with "Open Dataset…". */
  outside: { name: 'Outside dataset', images: 2 },
  /** Next to `outside`, opened under a file-system provider of the tests' own (b's mask has the wrong size). */
  virtual: { folder: 'virtual' },
} as const;

const CLASSES = [
  { id: 0, name: 'background', color: [0, 0, 0] as [number, number, number] },
  { id: 1, name: 'cell', color: [0, 200, 0] as [number, number, number] },
  { id: 2, name: 'nucleus', color: [200, 0, 200] as [number, number, number] },
];

function mask(seed: number, width = W, height = H): Uint8Array {
  return indexedMask(width, height, maskValues(width, height, CLASSES.length, seed));
}

function plainDataset(root: string, name: string, stems: string[], masks: string[]): void {
  writeFile(join(root, 'seglab.json'), configToJson({ ...defaultConfig(name), classes: CLASSES }));
  stems.forEach((stem) => writeFile(join(root, 'images', `${stem}.png`), pngImage(W, H)));
  masks.forEach((stem, i) => writeFile(join(root, 'masks', `${stem}.png`), mask(i)));
}

/** A card the model registry reads (the ONNX bytes are never loaded by the tests that use it). */
function modelCard(name: string, metrics: unknown): string {
  const input = { mean: [0, 0, 0], std: [1, 1, 1] };
  return JSON.stringify({ name, architecture: 'unet', classes: CLASSES, input, output: { kind: 'logits' }, metrics });
}

/** Writes the workspace folder and the outside dataset under `dir`; returns their paths. */
export function makeFixture(dir: string): { workspace: string; outside: string } {
  const workspace = join(dir, 'workspace');
  const plain = join(workspace, FIXTURE.plain.folder);
  plainDataset(plain, FIXTURE.plain.name, ['img_0', 'img_1', 'img_2', 'img_3', 'img_4', 'img_5'], ['img_0', 'img_1', 'img_2']);
  writeFile(join(plain, 'masks', 'img_3.png'), mask(3, W + 1, H));
  writeFile(join(plain, 'masks', 'orphan.png'), mask(4));
  writeFile(join(plain, 'predictions', 'unet', 'img_5.png'), mask(5));
  const { best, bestMiou, other } = FIXTURE.plain.models;
  writeFile(
    join(plain, 'models', `${other}.json`),
    modelCard(other, {
      valMiou: [
        { epoch: 1, miou: 0.5 },
        { epoch: 2, miou: 0.6 },
      ],
    }),
  );
  writeFile(join(plain, 'models', `${best}.json`), modelCard(best, { final: { miou: bestMiou } }));
  for (const name of [best, other, 'no-card']) writeFile(join(plain, 'models', `${name}.onnx`), new Uint8Array([0]));

  makeVoc(join(workspace, FIXTURE.voc.folder), [{ stem: 'a' }, { stem: 'b' }, { stem: 'c', mask: false }], { train: ['a', 'b'], val: ['c'] });

  makeCvat(join(workspace, FIXTURE.cvat.folder), ['p', 'q']);
  writeFile(join(workspace, FIXTURE.notDataset.folder, 'readme.txt'), 'not a dataset\n');

  // Index-only: image files are listed, never decoded, so one byte each is enough.
  const big = join(workspace, FIXTURE.big.folder);
  for (let i = 0; i < FIXTURE.big.images; i++) writeFile(join(big, 'images', `img_${String(i).padStart(5, '0')}.png`), new Uint8Array([0]));
  writeFile(join(big, 'masks', '.keep'), '');

  const outside = join(dir, 'outside');
  plainDataset(outside, FIXTURE.outside.name, ['x', 'y'], ['x']);
  makeVoc(join(dir, FIXTURE.virtual.folder), [{ stem: 'a' }, { stem: 'b' }, { stem: 'c', mask: false }]);
  writeFile(join(dir, FIXTURE.virtual.folder, 'SegmentationClass', 'b.png'), mask(1, W, H + 2));
  return { workspace, outside };
}
