import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadDataset } from '../../../src/core/dataset/datasetIndex';
import { validateDataset } from '../../../src/core/dataset/validate';
import { NodeFileSystem } from '../../../src/node/nodeFileSystem';
import { indexedMask, makeCvat, makeVoc, maskValues, rgbMask, CVAT_CLASSES, tempDir, writeFile, H, W } from './fixtures';
import { readFileSync } from 'node:fs';

const fs = new NodeFileSystem();

test('a clean VOC dataset and a CVAT export with RGB masks validate without problems', async (t) => {
  const voc = tempDir(t);
  makeVoc(voc, [{ stem: 'a' }, { stem: 'b', ext: 'png' }, { stem: 'c', mask: false }]);
  const index = await loadDataset(fs, voc);
  assert.deepEqual(await validateDataset(fs, index), []);
  assert.deepEqual(
    index.images.map((e) => e.status),
    ['labeled', 'labeled', 'unlabeled'],
  );
  const cvat = tempDir(t);
  makeCvat(cvat, ['x', 'y']);
  const cvatIndex = await loadDataset(fs, cvat);
  assert.deepEqual(await validateDataset(fs, cvatIndex), []);
});

test('truncated, wrong-size and unknown-value masks are invalid, with sizes and counts in the messages', async (t) => {
  const root = tempDir(t);
  makeVoc(root, [{ stem: 'ok' }, { stem: 'trunc' }, { stem: 'small' }, { stem: 'odd' }, { stem: 'colour', ext: 'png' }]);
  const dir = join(root, 'SegmentationClass');
  const full = readFileSync(join(dir, 'trunc.png'));
  writeFile(join(dir, 'trunc.png'), full.subarray(0, full.length - 20));
  writeFile(join(dir, 'small.png'), indexedMask(W - 2, H, maskValues(W - 2, H, 21)));
  const odd = maskValues(W, H, 21);
  odd.fill(40, 0, 3);
  odd[5] = 99;
  writeFile(join(dir, 'odd.png'), indexedMask(W, H, odd));
  writeFile(join(dir, 'colour.png'), rgbMask(W, H, new Uint8Array(W * H), [{ id: 0, name: 'x', color: [1, 2, 3] }]));
  const index = await loadDataset(fs, root);
  const problems = await validateDataset(fs, index);
  assert.deepEqual(
    problems.map((p) => [p.kind, p.path.slice(root.length + 1)]),
    [
      ['unreadable-mask', 'SegmentationClass/colour.png'],
      ['unknown-values', 'SegmentationClass/odd.png'],
      ['size-mismatch', 'SegmentationClass/small.png'],
      ['unreadable-mask', 'SegmentationClass/trunc.png'],
    ],
  );
  assert.match(problems[0].message, /colour \(1, 2, 3\) at pixel \(0, 0\)/);
  assert.match(problems[1].message, /40 \(3 px\), 99 \(1 px\)/);
  assert.match(problems[2].message, new RegExp(`mask is ${W - 2}x${H} but its image JPEGImages/small.jpg is ${W}x${H}`));
  assert.deepEqual(
    index.images.map((e) => [e.stem, e.status]),
    [
      ['colour', 'invalid'],
      ['odd', 'invalid'],
      ['ok', 'labeled'],
      ['small', 'invalid'],
      ['trunc', 'invalid'],
    ],
  );
  assert.equal(index.problems.length, 4);
});

test('an unreadable image is reported against the image', async (t) => {
  const root = tempDir(t);
  makeVoc(root, [{ stem: 'a' }]);
  writeFile(join(root, 'JPEGImages', 'a.jpg'), 'not a jpeg');
  const index = await loadDataset(fs, root);
  const problems = await validateDataset(fs, index);
  assert.deepEqual(
    problems.map((p) => [p.kind, p.path]),
    [['unreadable-image', join(root, 'JPEGImages', 'a.jpg')]],
  );
});

test('a CVAT mask with a colour missing from labelmap.txt names the colour', async (t) => {
  const root = tempDir(t);
  makeCvat(root, ['x']);
  writeFile(join(root, 'SegmentationClass', 'x.png'), rgbMask(W, H, new Uint8Array(W * H).fill(9), [...CVAT_CLASSES, { id: 9, name: 'z', color: [9, 9, 9] }]));
  const problems = await validateDataset(fs, await loadDataset(fs, root));
  assert.match(problems[0].message, /colour \(9, 9, 9\)/);
});

test('progress is reported per entry and an aborted signal stops validation', async (t) => {
  const root = tempDir(t);
  makeVoc(root, [{ stem: 'a' }, { stem: 'b' }, { stem: 'c' }]);
  const index = await loadDataset(fs, root);
  const seen: number[] = [];
  await validateDataset(fs, index, { onProgress: (done, total) => seen.push(done * 10 + total) });
  assert.deepEqual(seen, [13, 23, 33]);
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(validateDataset(fs, index, { signal: controller.signal }), { name: 'AbortError' });
});
