import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { numClassesOf } from '../../../src/core/classes';
import { datasetPairs, folderPairs } from '../../../src/core/dataset/evaluate';
import { loadDataset } from '../../../src/core/dataset/datasetIndex';
import { evaluateFresh } from '../../../src/core/metrics/evaluateIncremental';
import { NodeFileSystem } from '../../../src/node/nodeFileSystem';
import { indexedMask, makeTiny, tempDir, TINY_CLASSES, writeFile } from './fixtures';

const fs = new NodeFileSystem();
const options = { classes: TINY_CLASSES, numClasses: 2, ignoreIndex: 255 };

test('dataset predictions vs labels: dataset-level scores, per-image scores, missing', async (t) => {
  const root = tempDir(t);
  makeTiny(root);
  const index = await loadDataset(fs, root);
  assert.equal(numClassesOf(index.config.classes), 2);
  const e = await evaluateFresh(fs, await datasetPairs(fs, index, { model: 'unet' }), options);
  assert.equal(e.scores.miou, (1 / 2 + 6 / 7) / 2);
  assert.equal(e.scores.pixelAccuracy, 7 / 8);
  assert.equal(e.scores.meanAccuracy, (1 / 2 + 1) / 2);
  assert.equal(e.scores.pixels, 8);
  assert.deepEqual(e.images, [
    { name: 'a', miou: (1 / 2 + 2 / 3) / 2, pixelAccuracy: 3 / 4 },
    { name: 'c', miou: 1, pixelAccuracy: 1 },
  ]);
  assert.deepEqual(e.missing, ['b']);
  assert.deepEqual(e.problems, []);

  const val = await evaluateFresh(fs, await datasetPairs(fs, index, { model: 'unet', split: 'val' }), options);
  assert.deepEqual(
    val.images.map((i) => i.name),
    ['c'],
  );
  assert.equal(val.scores.classes[0].iou, null);
});

test('two folders paired by stem give the same scores as the dataset', async (t) => {
  const root = tempDir(t);
  makeTiny(root);
  const e = await evaluateFresh(fs, await folderPairs(fs, join(root, 'masks'), join(root, 'predictions', 'unet')), options);
  assert.equal(e.scores.miou, (1 / 2 + 6 / 7) / 2);
  assert.deepEqual(e.missing, ['b']);
});

test('an external prediction folder pairs by stem with the labels', async (t) => {
  const root = tempDir(t);
  makeTiny(root);
  const preds = join(root, 'elsewhere');
  writeFile(join(preds, 'b.png'), indexedMask(2, 2, new Uint8Array([1, 0, 0, 1])));
  const index = await loadDataset(fs, root);
  const e = await evaluateFresh(fs, await datasetPairs(fs, index, { predDir: preds }), options);
  assert.deepEqual(e.images, [{ name: 'b', miou: (0 + 1 / 3) / 2, pixelAccuracy: 1 / 3 }]);
  assert.equal(e.scores.ignoredPixels, 1);
  assert.deepEqual(e.missing, ['a', 'c']);
});

test('unreadable and mismatched predictions and unknown label values are problems, not crashes', async (t) => {
  const root = tempDir(t);
  makeTiny(root);
  writeFile(join(root, 'predictions', 'unet', 'a.png'), 'not a png');
  writeFile(join(root, 'predictions', 'unet', 'b.png'), indexedMask(3, 2, new Uint8Array(6)));
  writeFile(join(root, 'masks', 'c.png'), indexedMask(2, 2, new Uint8Array([1, 1, 7, 1])));
  const index = await loadDataset(fs, root);
  const e = await evaluateFresh(fs, await datasetPairs(fs, index, { model: 'unet' }), options);
  const pred = (s: string) => join(root, 'predictions', 'unet', `${s}.png`);
  assert.deepEqual(
    e.problems.map((p) => [p.kind, p.path]),
    [
      ['unreadable-mask', pred('a')],
      ['size-mismatch', pred('b')],
      ['unknown-values', join(root, 'masks', 'c.png')],
    ],
  );
  assert.match(e.problems[1].message, /prediction is 3x2 but its label .*b\.png is 2x2/);
  assert.deepEqual(
    e.images.map((i) => i.name),
    ['c'],
  );
  assert.equal(e.scores.pixels, 3);
});
