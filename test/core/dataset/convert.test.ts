import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { decode } from 'fast-png';
import { convertDataset, type TargetLayout } from '../../../src/core/dataset/convert';
import { loadDataset } from '../../../src/core/dataset/datasetIndex';
import { validateDataset } from '../../../src/core/dataset/validate';
import type { DatasetIndex } from '../../../src/core/dataset/types';
import { decodeMask } from '../../../src/core/mask/codec';
import { NodeFileSystem } from '../../../src/node/nodeFileSystem';
import { CVAT_CLASSES, indexedMask, makeCvat, makeVoc, maskValues, tempDir, writeFile, H, W } from './fixtures';

const fs = new NodeFileSystem();

/** stem -> mask values of every mask in the dataset. */
function maskValuesOf(index: DatasetIndex): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const e of index.images) {
    if (e.mask === undefined) continue;
    const path = join(index.root, e.mask);
    out.set(e.stem, [...decodeMask(readFileSync(path), { path, classes: index.config.classes }).data]);
  }
  return out;
}

async function convert(index: DatasetIndex, dst: string, to: TargetLayout): Promise<DatasetIndex> {
  const result = await convertDataset(fs, index, dst, to);
  assert.deepEqual(result.problems, []);
  const out = await loadDataset(fs, dst);
  // The only problem allowed is the unknown value planted on purpose (value 77 in a.png).
  const problems = await validateDataset(fs, out);
  assert.deepEqual(
    problems.filter((p) => !(p.kind === 'unknown-values' && / 77 \(1 px\)/.test(p.message))),
    [],
  );
  return out;
}

function vocWithExtras(root: string): void {
  makeVoc(root, [{ stem: 'a' }, { stem: 'b', ext: 'png' }, { stem: 'c', mask: false }], { train: ['a', 'c'], val: ['b'] });
  // Unknown values survive conversion: values are copied, not interpreted.
  const odd = maskValues(W, H, 21);
  odd[3] = 77;
  writeFile(join(root, 'SegmentationClass', 'a.png'), indexedMask(W, H, odd));
  writeFile(join(root, 'predictions', 'unet', 'c.png'), indexedMask(W, H, maskValues(W, H, 21)));
}

test('voc -> cvat -> voc keeps every mask value, the splits, the classes and the predictions', async (t) => {
  const dir = tempDir(t);
  vocWithExtras(join(dir, 'voc'));
  const voc = await loadDataset(fs, join(dir, 'voc'));
  const cvat = await convert(voc, join(dir, 'cvat'), 'cvat');
  assert.equal(cvat.layout, 'cvat');
  assert.deepEqual(cvat.config.classes, voc.config.classes);
  const back = await convert(cvat, join(dir, 'back'), 'voc');
  assert.equal(back.layout, 'voc');
  assert.deepEqual(maskValuesOf(back), maskValuesOf(voc));
  assert.deepEqual(
    back.images.map((e) => ({ ...e, status: undefined })),
    voc.images.map((e) => ({ ...e, status: undefined })),
  );
  assert.ok(existsSync(join(dir, 'back', 'ImageSets', 'Segmentation', 'train.txt')));
  assert.deepEqual(readFileSync(join(dir, 'back', 'JPEGImages', 'a.jpg')), readFileSync(join(dir, 'voc', 'JPEGImages', 'a.jpg')));
});

test('voc -> plain -> voc round-trips; plain gets a seglab.json with classes and splits', async (t) => {
  const dir = tempDir(t);
  vocWithExtras(join(dir, 'voc'));
  const voc = await loadDataset(fs, join(dir, 'voc'));
  const plain = await convert(voc, join(dir, 'plain'), 'plain');
  assert.equal(plain.layout, 'seglab');
  assert.deepEqual(plain.config.splits, { train: 'splits/train.txt', val: 'splits/val.txt' });
  assert.deepEqual(readdirSync(join(dir, 'plain')).sort(), ['images', 'masks', 'predictions', 'seglab.json', 'splits']);
  const back = await convert(plain, join(dir, 'back'), 'voc');
  assert.equal(back.layout, 'voc');
  assert.deepEqual(maskValuesOf(back), maskValuesOf(voc));
  assert.deepEqual(
    back.images.map((e) => e.splits),
    voc.images.map((e) => e.splits),
  );
});

test('a CVAT export with RGB colour masks -> voc gives indexed masks holding the class ids', async (t) => {
  const dir = tempDir(t);
  makeCvat(join(dir, 'cvat'), ['x', 'y']);
  const cvat = await loadDataset(fs, join(dir, 'cvat'));
  const voc = await convert(cvat, join(dir, 'voc'), 'voc');
  // The CVAT classes are not VOC's, so a seglab.json keeps them.
  assert.equal(voc.layout, 'seglab');
  assert.deepEqual(voc.config.classes, CVAT_CLASSES);
  const png = decode(readFileSync(join(dir, 'voc', 'SegmentationClass', 'x.png')));
  assert.equal(png.channels, 1);
  assert.deepEqual(
    png.palette?.slice(0, 4),
    CVAT_CLASSES.map((c) => c.color),
  );
  assert.deepEqual(maskValuesOf(voc), maskValuesOf(cvat));
  assert.deepEqual(readFileSync(join(dir, 'voc', 'ImageSets', 'Segmentation', 'default.txt'), 'utf8'), 'x\ny\n');
  const again = await convert(voc, join(dir, 'cvat2'), 'cvat');
  assert.deepEqual(maskValuesOf(again), maskValuesOf(cvat));
  assert.equal(readFileSync(join(dir, 'cvat2', 'labelmap.txt'), 'utf8'), readFileSync(join(dir, 'cvat', 'labelmap.txt'), 'utf8'));
});

test('an unreadable mask is reported and skipped; a non-empty destination is refused', async (t) => {
  const dir = tempDir(t);
  makeVoc(join(dir, 'voc'), [{ stem: 'a' }, { stem: 'b' }]);
  writeFile(join(dir, 'voc', 'SegmentationClass', 'b.png'), 'garbage');
  const voc = await loadDataset(fs, join(dir, 'voc'));
  const result = await convertDataset(fs, voc, join(dir, 'out'), 'plain');
  assert.deepEqual(
    result.problems.map((p) => [p.kind, p.path]),
    [['unreadable-mask', join(dir, 'voc', 'SegmentationClass', 'b.png')]],
  );
  assert.equal(result.images, 2);
  assert.equal(result.masks, 1);
  await assert.rejects(convertDataset(fs, voc, join(dir, 'out'), 'voc'), /already exists and is not an empty folder/);
});
