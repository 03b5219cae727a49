import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultClasses } from '../../../src/core/classes';
import { detectDataset, findDatasets } from '../../../src/core/dataset/detect';
import { DataError } from '../../../src/core/errors';
import { NodeFileSystem } from '../../../src/node/nodeFileSystem';
import { CVAT_CLASSES, makeCvat, makeVoc, tempDir, writeFile } from './fixtures';

const fs = new NodeFileSystem();

test('VOC: JPEGImages + SegmentationClass, VOC classes, splits from ImageSets/Segmentation', async (t) => {
  const root = tempDir(t);
  makeVoc(root, [{ stem: 'a' }], { train: ['a'], val: [] });
  const d = await detectDataset(fs, root);
  assert.equal(d?.layout, 'voc');
  assert.deepEqual(d?.config.classes, defaultClasses(21));
  assert.equal(d?.config.imagesDir, 'JPEGImages');
  assert.equal(d?.config.masksDir, 'SegmentationClass');
  assert.deepEqual(d?.config.splits, { train: 'ImageSets/Segmentation/train.txt', val: 'ImageSets/Segmentation/val.txt' });
});

test('CVAT: labelmap.txt gives the classes in line order', async (t) => {
  const root = tempDir(t);
  makeCvat(root, ['x']);
  const d = await detectDataset(fs, root);
  assert.equal(d?.layout, 'cvat');
  assert.deepEqual(d?.config.classes, CVAT_CLASSES);
  assert.deepEqual(d?.config.splits, { default: 'ImageSets/Segmentation/default.txt' });
});

test('plain: images + masks with default classes', async (t) => {
  const root = tempDir(t);
  mkdirSync(join(root, 'images'));
  mkdirSync(join(root, 'masks'));
  const d = await detectDataset(fs, root);
  assert.equal(d?.layout, 'plain');
  assert.equal(d?.config.imagesDir, 'images');
  assert.equal(d?.config.name, root.split('/').pop());
});

test('seglab.json overrides detection and keeps what it does not name', async (t) => {
  const root = tempDir(t);
  makeVoc(root, [{ stem: 'a' }], { val: ['a'] });
  writeFile(
    join(root, 'seglab.json'),
    JSON.stringify({
      name: 'mine',
      classes: [
        { id: 0, name: 'bg', color: [0, 0, 0] },
        { id: 1, name: 'fg', color: [255, 0, 0] },
      ],
    }),
  );
  const d = await detectDataset(fs, root);
  assert.equal(d?.layout, 'seglab');
  assert.equal(d?.config.name, 'mine');
  assert.equal(d?.config.classes.length, 2);
  assert.equal(d?.config.imagesDir, 'JPEGImages');
  assert.deepEqual(Object.keys(d?.config.splits ?? {}), ['val']);
});

test('a broken labelmap.txt or seglab.json is a DataError naming the file', async (t) => {
  const root = tempDir(t);
  makeCvat(root, ['x']);
  writeFile(join(root, 'labelmap.txt'), 'background:0,0\n');
  await assert.rejects(detectDataset(fs, root), (e: DataError) => e.path === join(root, 'labelmap.txt') && /line 1/.test(e.message));
  const other = tempDir(t);
  writeFile(join(other, 'seglab.json'), '{"imagesdir": "x"}');
  await assert.rejects(detectDataset(fs, other), (e: DataError) => e.message.startsWith(join(other, 'seglab.json')) && /imagesdir/.test(e.message));
});

test('a folder that is no dataset gives undefined', async (t) => {
  const root = tempDir(t);
  mkdirSync(join(root, 'images'));
  assert.equal(await detectDataset(fs, root), undefined);
});

test('findDatasets finds roots up to the given depth, skipping hidden folders and dataset insides', async (t) => {
  const ws = tempDir(t);
  makeVoc(join(ws, 'voc'), [{ stem: 'a' }]);
  makeCvat(join(ws, 'exports', 'cvat1'), ['b']);
  writeFile(join(ws, 'deep', 'er', 'still', 'seglab.json'), '{}');
  writeFile(join(ws, '.hidden', 'seglab.json'), '{}');
  writeFile(join(ws, 'voc', 'nested', 'seglab.json'), '{}');
  assert.deepEqual(await findDatasets(fs, ws), [join(ws, 'exports', 'cvat1'), join(ws, 'voc')]);
  assert.deepEqual(await findDatasets(fs, ws, 3), [join(ws, 'deep', 'er', 'still'), join(ws, 'exports', 'cvat1'), join(ws, 'voc')]);
  assert.deepEqual(await findDatasets(fs, join(ws, 'voc')), [join(ws, 'voc')]);
});
