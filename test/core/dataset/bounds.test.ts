// The rule that keeps a dataset's reads inside it (core/dataset/bounds.ts), over the real disk.
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { datasetBounds, readInside } from '../../../src/core/dataset/bounds';
import { loadDataset } from '../../../src/core/dataset/datasetIndex';
import { DataError } from '../../../src/core/errors';
import { NodeFileSystem } from '../../../src/node/nodeFileSystem';
import { makeVoc, tempDir, writeFile } from './fixtures';

const fs = new NodeFileSystem();

test('a link leading outside the dataset is a problem and is not indexed; one inside is followed', async (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'voc');
  makeVoc(root, [{ stem: 'a' }]);
  writeFile(join(dir, 'secret.txt'), 'outside');
  symlinkSync(join(dir, 'secret.txt'), join(root, 'JPEGImages', 'passwd.jpg'));
  symlinkSync(join(root, 'JPEGImages', 'a.jpg'), join(root, 'JPEGImages', 'a2.png')); // inside: fine
  symlinkSync(join(dir, 'secret.txt'), join(root, 'SegmentationClass', 'a2.png'));
  const index = await loadDataset(fs, root);
  assert.deepEqual(
    index.images.map((e) => [e.image, e.mask]),
    [
      ['JPEGImages/a.jpg', 'SegmentationClass/a.png'],
      ['JPEGImages/a2.png', undefined],
    ],
  );
  const real = realpathSync(join(dir, 'secret.txt'));
  assert.deepEqual(
    index.problems.map((p) => [p.path, p.kind, p.message]),
    [
      [join(root, 'JPEGImages', 'passwd.jpg'), 'outside-link', `a symbolic link to ${real}, outside the dataset; not followed`],
      [join(root, 'SegmentationClass', 'a2.png'), 'outside-link', `a symbolic link to ${real}, outside the dataset; not followed`],
    ],
  );
});

test('a linked folder, split file or seglab.json outside the dataset is not read', async (t) => {
  const dir = tempDir(t);
  const root = join(dir, 'voc');
  makeVoc(root, [{ stem: 'a' }]);
  makeVoc(join(dir, 'elsewhere'), [{ stem: 'b' }], { train: ['b'] });
  symlinkSync(join(dir, 'elsewhere', 'JPEGImages'), join(root, 'predictions'));
  mkdirSync(join(root, 'ImageSets', 'Segmentation'), { recursive: true });
  symlinkSync(join(dir, 'elsewhere', 'ImageSets', 'Segmentation', 'train.txt'), join(root, 'ImageSets', 'Segmentation', 'train.txt'));
  const index = await loadDataset(fs, root);
  assert.deepEqual(
    index.problems.map((p) => [p.path, p.kind]),
    [
      [join(root, 'predictions'), 'outside-link'],
      [join(root, 'ImageSets', 'Segmentation', 'train.txt'), 'bad-split'],
    ],
  );
  assert.match(index.problems[1].message, /cannot read its list file \(.*a symbolic link to .*elsewhere.*, outside the dataset; not followed\)/);

  writeFile(join(dir, 'config.json'), '{}');
  symlinkSync(join(dir, 'config.json'), join(root, 'seglab.json'));
  await assert.rejects(loadDataset(fs, root), (e: DataError) => e.path === join(root, 'seglab.json') && /outside the dataset/.test(e.message));
});

test('a dataset reached through a link is read; readInside refuses what lies outside its real root', async (t) => {
  const dir = tempDir(t);
  makeVoc(join(dir, 'real'), [{ stem: 'a' }]);
  symlinkSync(join(dir, 'real'), join(dir, 'linked'));
  const index = await loadDataset(fs, join(dir, 'linked'));
  assert.deepEqual(index.problems, []);
  assert.equal(index.images.length, 1);
  const bounds = await datasetBounds(fs, join(dir, 'linked'));
  assert.ok((await readInside(fs, bounds, join(dir, 'linked', 'JPEGImages', 'a.jpg'))).length > 0);
  writeFile(join(dir, 'x.jpg'), 'x');
  symlinkSync(join(dir, 'x.jpg'), join(dir, 'real', 'JPEGImages', 'b.jpg'));
  await assert.rejects(readInside(fs, bounds, join(dir, 'linked', 'JPEGImages', 'b.jpg')), /outside the dataset; not followed/);
});

test('names with control characters are problems and are not indexed', async (t) => {
  const root = tempDir(t);
  makeVoc(root, [{ stem: 'a' }, { stem: 'tab\there' }, { stem: 'new\nline', mask: false }]);
  const index = await loadDataset(fs, root);
  assert.deepEqual(
    index.images.map((e) => e.stem),
    ['a'],
  );
  assert.deepEqual(
    index.problems.map((p) => [p.path, p.kind, p.message]),
    [
      [join(root, 'JPEGImages', 'new\nline.jpg'), 'bad-name', 'the name has control characters (\\n); ignored'],
      [join(root, 'JPEGImages', 'tab\there.jpg'), 'bad-name', 'the name has control characters (\\t); ignored'],
      [join(root, 'SegmentationClass', 'tab\there.png'), 'bad-name', 'the name has control characters (\\t); ignored'],
    ],
  );
});
