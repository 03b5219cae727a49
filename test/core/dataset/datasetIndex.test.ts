import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadDataset } from '../../../src/core/dataset/datasetIndex';
import { DataError } from '../../../src/core/errors';
import { NodeFileSystem } from '../../../src/node/nodeFileSystem';
import { indexedMask, jpegImage, makeVoc, maskValues, tempDir, writeFile } from './fixtures';

const fs = new NodeFileSystem();

test('pairs images and masks by stem and sets labeled / unlabeled / predicted', async (t) => {
  const root = tempDir(t);
  makeVoc(root, [{ stem: 'a' }, { stem: 'b', mask: false }, { stem: 'c', mask: false, ext: 'png' }], { train: ['a', 'b'], val: ['c'] });
  writeFile(join(root, 'predictions', 'unet', 'c.png'), indexedMask(12, 8, maskValues(12, 8, 21)));
  writeFile(join(root, 'predictions', 'unet', 'a.png'), indexedMask(12, 8, maskValues(12, 8, 21)));
  writeFile(join(root, 'JPEGImages', 'notes.txt'), 'not an image');
  writeFile(join(root, 'JPEGImages', '.hidden.jpg'), 'x');
  const index = await loadDataset(fs, root);
  assert.equal(index.layout, 'voc');
  assert.deepEqual(index.problems, []);
  assert.deepEqual(index.images, [
    { stem: 'a', image: 'JPEGImages/a.jpg', mask: 'SegmentationClass/a.png', predictions: ['unet'], splits: ['train'], status: 'labeled' },
    { stem: 'b', image: 'JPEGImages/b.jpg', predictions: [], splits: ['train'], status: 'unlabeled' },
    { stem: 'c', image: 'JPEGImages/c.png', predictions: ['unet'], splits: ['val'], status: 'predicted' },
  ]);
});

test('orphan masks, duplicate stems, non-PNG masks and split lines without an image are problems', async (t) => {
  const root = tempDir(t);
  makeVoc(root, [{ stem: 'a' }, { stem: 'b' }], { train: ['a', 'ghost', '', 'b'] });
  writeFile(join(root, 'JPEGImages', 'a.png'), jpegImage(4, 4)); // same stem as a.jpg
  writeFile(join(root, 'SegmentationClass', 'orphan.png'), indexedMask(2, 2, new Uint8Array(4)));
  writeFile(join(root, 'SegmentationClass', 'b.jpg'), jpegImage(4, 4));
  writeFile(join(root, 'predictions', 'm', 'lost.png'), indexedMask(2, 2, new Uint8Array(4)));
  writeFile(join(root, 'predictions', 'm', 'a.PNG'), indexedMask(2, 2, new Uint8Array(4)));
  const index = await loadDataset(fs, root);
  const kinds = index.problems.map((p) => [p.kind, p.path.slice(root.length + 1)]);
  assert.deepEqual(kinds, [
    ['duplicate-stem', 'JPEGImages/a.png'],
    ['unreadable-mask', 'SegmentationClass/b.jpg'],
    ['orphan-mask', 'SegmentationClass/orphan.png'],
    ['unreadable-mask', 'predictions/m/a.PNG'],
    ['orphan-mask', 'predictions/m/lost.png'],
    ['bad-split', 'ImageSets/Segmentation/train.txt'],
  ]);
  assert.match(index.problems[0].message, /same stem as JPEGImages\/a\.jpg/);
  assert.match(index.problems[5].message, /line 2: "ghost" has no image/);
  assert.equal(index.images.length, 2);
  assert.deepEqual(
    index.images.map((e) => e.splits),
    [['train'], ['train']],
  );
});

test('a split file named in seglab.json that is missing, and a missing images folder, are problems', async (t) => {
  const root = tempDir(t);
  writeFile(join(root, 'seglab.json'), JSON.stringify({ imagesDir: 'imgs', splits: { test: 'lists/test.txt' } }));
  const index = await loadDataset(fs, root);
  assert.equal(index.layout, 'seglab');
  assert.deepEqual(
    index.problems.map((p) => p.kind),
    ['bad-config', 'bad-split'],
  );
  assert.equal(index.images.length, 0);
});

test('VOC per-class list lines ("stem -1") give the stem', async (t) => {
  const root = tempDir(t);
  makeVoc(root, [{ stem: '2008_000008' }]);
  writeFile(join(root, 'ImageSets', 'Segmentation', 'aeroplane_train.txt'), '2008_000008 -1\r\n');
  const index = await loadDataset(fs, root);
  assert.deepEqual(index.images[0].splits, ['aeroplane_train']);
  assert.deepEqual(index.problems, []);
});

test('a folder that is no dataset is a DataError naming it', async (t) => {
  const root = tempDir(t);
  await assert.rejects(loadDataset(fs, root), (e: DataError) => e.path === root && /not a dataset/.test(e.message));
});
