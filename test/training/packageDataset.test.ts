import assert from 'node:assert/strict';
import { rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { extract } from 'tar-stream';
import { loadDataset } from '../../src/core/dataset/datasetIndex';
import { DataError } from '../../src/core/errors';
import { decodeMask } from '../../src/core/mask/codec';
import { ColorType, readPngHeader } from '../../src/core/mask/pngHeader';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { packageDataset, splitLabeled } from '../../src/training/packageDataset';
import { rgbMask, tempDir, writeFile } from '../core/dataset/fixtures';
import { CLASSES, makeShapesDataset } from './fixtures';

const fs = new NodeFileSystem();

async function members(archive: Uint8Array): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        out.set(header.name, Buffer.concat(chunks));
        next();
      });
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  ex.end(Buffer.from(archive));
  await done;
  return out;
}

test('the archive holds only labeled images, their masks, the lists and seglab.json, under relative paths', async (t) => {
  const root = tempDir(t, 'seglab-pack-');
  makeShapesDataset(root, 12, 4);
  const index = await loadDataset(fs, root);
  const split = splitLabeled(index);
  assert.equal(split.source, 'hash');
  assert.equal(split.train.length + split.val.length, 12);
  assert.ok(split.val.length >= 1 && split.train.length >= 9);
  assert.deepEqual(splitLabeled(index), split, 'the split is deterministic');
  const archive = await packageDataset(fs, index, split);
  assert.deepEqual(await packageDataset(fs, index, split), archive, 'same data, same bytes (the upload is content-addressed)');
  const files = await members(archive);
  for (const name of files.keys()) assert.ok(!name.startsWith('/') && !name.includes('\\') && !name.split('/').includes('..'), name);
  const images = [...files.keys()].filter((n) => n.startsWith('images/'));
  assert.equal(images.length, 12);
  assert.ok(
    images.every((n) => Number(/shape(\d+)/.exec(n)?.[1]) < 12),
    'no unlabeled image',
  );
  assert.equal([...files.keys()].filter((n) => n.startsWith('masks/')).length, 12);
  const config = JSON.parse(files.get('seglab.json')?.toString() ?? '') as { splits: Record<string, string>; imagesDir: string };
  assert.deepEqual(config.splits, { train: 'train.txt', val: 'val.txt' });
  assert.equal(config.imagesDir, 'images');
  assert.equal(files.get('val.txt')?.toString(), split.val.map((e) => `${e.stem}\n`).join(''));
});

test("the dataset's train/val splits are used (a test split stays out); colour masks become indexed PNGs", async (t) => {
  const root = tempDir(t, 'seglab-pack-');
  makeShapesDataset(root, 6, 0);
  writeFile(join(root, 'seglab.json'), JSON.stringify({ name: 'shapes', classes: CLASSES, splits: { train: 'train.txt', val: 'val.txt', test: 'test.txt' } }));
  writeFile(join(root, 'train.txt'), 'shape00\nshape01\nshape02\n');
  writeFile(join(root, 'val.txt'), 'shape03\n');
  writeFile(join(root, 'test.txt'), 'shape04\nshape05\n');
  const values = new Uint8Array(64 * 64).map((_, i) => i % 3);
  writeFile(join(root, 'masks', 'shape00.png'), rgbMask(64, 64, values, CLASSES));
  const index = await loadDataset(fs, root);
  const split = splitLabeled(index);
  assert.equal(split.source, 'dataset');
  assert.deepEqual(
    split.train.map((e) => e.stem),
    ['shape00', 'shape01', 'shape02'],
  );
  assert.deepEqual(
    split.val.map((e) => e.stem),
    ['shape03'],
  );
  const files = await members(await packageDataset(fs, index, split));
  assert.deepEqual([...files.keys()].filter((n) => n.startsWith('masks/')).sort(), [
    'masks/shape00.png',
    'masks/shape01.png',
    'masks/shape02.png',
    'masks/shape03.png',
  ]);
  const mask = files.get('masks/shape00.png') ?? Buffer.alloc(0);
  assert.notEqual(readPngHeader(mask, 'mask', 1e6).colorType, ColorType.Rgb);
  assert.deepEqual(decodeMask(mask, { path: 'mask', classes: CLASSES }).data, values);
});

test('a single labeled image is both train and val; none gives an empty split', async (t) => {
  const root = tempDir(t, 'seglab-pack-');
  makeShapesDataset(root, 1, 2);
  const one = splitLabeled(await loadDataset(fs, root));
  assert.deepEqual([one.train.length, one.val.length], [1, 1]);
  const empty = tempDir(t, 'seglab-pack-');
  makeShapesDataset(empty, 0, 2);
  assert.equal(splitLabeled(await loadDataset(fs, empty)).train.length, 0);
});

test('files whose real path is outside the dataset are never packaged: left out when indexed, refused when linked since', async (t) => {
  const root = tempDir(t, 'seglab-pack-');
  const outside = tempDir(t, 'seglab-outside-');
  makeShapesDataset(root, 3, 0);
  writeFile(join(outside, 'secret.png'), 'private bytes');
  symlinkSync(join(outside, 'secret.png'), join(root, 'images', 'leak.png'));
  symlinkSync(join(outside, 'secret.png'), join(root, 'masks', 'leak.png'));
  const index = await loadDataset(fs, root);
  assert.deepEqual(
    index.problems.map((p) => p.kind),
    ['outside-link', 'outside-link'],
  );
  const files = await members(await packageDataset(fs, index, splitLabeled(index)));
  assert.ok(![...files.values()].some((data) => data.toString() === 'private bytes'));
  // A labeled image replaced by a link after the index was read.
  const image = join(root, index.images[0].image);
  rmSync(image);
  symlinkSync(join(outside, 'secret.png'), image);
  await assert.rejects(
    packageDataset(fs, index, splitLabeled(index)),
    (e: DataError) => e.path === image && /outside the dataset; not followed/.test(e.message),
  );
});
