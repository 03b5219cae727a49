import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadDataset } from '../../../src/core/dataset/datasetIndex';
import { countsToString } from '../../../src/core/formats/cocoRle';
import { readSource, writeTarget } from '../../../src/core/formats/formats';
import type { LabelSource } from '../../../src/core/formats/source';
import { NodeFileSystem } from '../../../src/node/nodeFileSystem';
import { H, indexedMask, makeVoc, maskValues, pngImage, tempDir, W, writeFile } from '../dataset/fixtures';

const fs = new NodeFileSystem();

/** stem -> label map of every labeled item. */
async function labelMaps(source: LabelSource): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const item of source.items) if (item.mask) out[item.stem] = [...(await item.mask()).data];
  return out;
}

/** Mask PNG bytes of a native dataset, by file name. */
function maskFiles(folder: string): Record<string, string> {
  return Object.fromEntries(readdirSync(folder).map((n) => [n, readFileSync(join(folder, n)).toString('base64')]));
}

// A 4 x 3 image (width 4, height 3) and its annotations.
const image = { id: 7, file_name: 'a.png', width: 4, height: 3 };
function cocoFolder(root: string, annotations: unknown[], extra: { images?: unknown[]; categories?: unknown[] } = {}): void {
  const categories = extra.categories ?? [
    { id: 1, name: 'cat' },
    { id: 2, name: 'dog', color: [1, 2, 3] },
  ];
  const images = extra.images ?? [image, { id: 8, file_name: 'b.png', width: 4, height: 3 }];
  writeFile(join(root, 'annotations', 'instances_train.json'), JSON.stringify({ images, annotations, categories }));
  writeFile(join(root, 'images', 'train', 'a.png'), pngImage(4, 3));
  writeFile(join(root, 'images', 'train', 'b.png'), pngImage(4, 3));
}

const rows = (values: number[]) => [0, 1, 2].map((y) => values.slice(y * 4, y * 4 + 4).join(' '));

describe('COCO in', () => {
  test('polygons, uncompressed and compressed RLE; no category 0: background added and fills the rest', async (t) => {
    const dir = tempDir(t);
    // Column-major: cat on column 1 rows 0-2 (pixels 3..5), dog pixel (3, 2) = index 11
    const catCounts = [3, 3, 6];
    cocoFolder(dir, [
      { id: 1, image_id: 7, category_id: 1, segmentation: { size: [3, 4], counts: catCounts } },
      { id: 2, image_id: 7, category_id: 2, segmentation: { size: [3, 4], counts: countsToString([11, 1]) } },
      // a square over pixel centres (2.5, 0.5) and (2.5, 1.5)
      { id: 3, image_id: 7, category_id: 2, segmentation: [[2, 0, 3, 0, 3, 2, 2, 2]] },
    ]);
    const source = await readSource(fs, dir, 'coco');
    assert.deepEqual(source.classes, [
      { id: 0, name: 'background', color: [0, 0, 0] },
      { id: 1, name: 'cat', color: [128, 0, 0] },
      { id: 2, name: 'dog', color: [1, 2, 3] },
    ]);
    assert.deepEqual(source.splits, ['train']);
    assert.deepEqual(
      source.items.map((i) => [i.stem, i.splits, i.mask !== undefined]),
      [
        ['a', ['train'], true],
        ['b', ['train'], false],
      ],
    );
    assert.deepEqual(rows((await labelMaps(source)).a), ['0 1 2 0', '0 1 2 0', '0 1 0 2']);
  });

  test('overlap: later over earlier, or smaller over larger; crowd regions become ignore under the rest', async (t) => {
    const dir = tempDir(t);
    const all = { size: [3, 4], counts: [0, 12] };
    const corner = [[0, 0, 2, 0, 2, 1, 0, 1]]; // pixels (0,0) and (1,0)
    cocoFolder(
      dir,
      [
        { id: 1, image_id: 7, category_id: 2, segmentation: corner },
        { id: 2, image_id: 7, category_id: 1, segmentation: all },
        { id: 3, image_id: 7, category_id: 1, iscrowd: 1, segmentation: { size: [3, 4], counts: [2, 1, 9] } }, // pixel (0, 2)
        { id: 4, image_id: 8, category_id: 1, iscrowd: 1, segmentation: { size: [3, 4], counts: [2, 1, 9] } },
      ],
      {
        categories: [
          { id: 0, name: 'bg' },
          { id: 1, name: 'cat' },
          { id: 2, name: 'dog' },
        ],
      },
    );
    const later = await labelMaps(await readSource(fs, dir, 'coco', { overlap: 'later' }));
    assert.deepEqual(rows(later.a), ['1 1 1 1', '1 1 1 1', '1 1 1 1']);
    const smaller = await labelMaps(await readSource(fs, dir, 'coco', { overlap: 'smaller' }));
    assert.deepEqual(rows(smaller.a), ['2 2 1 1', '1 1 1 1', '1 1 1 1']);
    // b: only a crowd region; category 0 exists, so what nothing covers is ignore
    assert.deepEqual(rows(later.b), ['255 255 255 255', '255 255 255 255', '255 255 255 255']);
  });

  const bad: Array<[string, unknown[], RegExp, { images?: unknown[]; categories?: unknown[] }?]> = [
    [
      'unknown category',
      [{ id: 5, image_id: 7, category_id: 9, segmentation: [[0, 0, 1, 0, 1, 1]] }],
      /instances_train\.json: annotation 5: unknown category 9/,
    ],
    [
      'RLE size',
      [{ id: 6, image_id: 7, category_id: 1, segmentation: { size: [4, 3], counts: [12] } }],
      /annotation 6: RLE size \[4, 3\] \(height, width\) differs from image 7's 3 x 4/,
    ],
    [
      'RLE sum',
      [{ id: 7, image_id: 7, category_id: 1, segmentation: { size: [3, 4], counts: [5, 5] } }],
      /annotation 7: RLE counts add up to 10 pixels, the size says 12/,
    ],
    [
      'RLE string',
      [{ id: 8, image_id: 7, category_id: 1, segmentation: { size: [3, 4], counts: '1 ' } }],
      /annotation 8: RLE compressed counts: character " "/,
    ],
    ['polygon', [{ id: 9, image_id: 7, category_id: 1, segmentation: [[0, 0, 1]] }], /annotation 9: polygon 0 must be/],
    ['image id', [{ id: 10, image_id: 99, category_id: 1, segmentation: [] }], /annotation 10: image_id 99 is not in "images"/],
    ['missing image', [], /image 9: "c.png" is not in/, { images: [{ id: 9, file_name: 'c.png', width: 4, height: 3 }] }],
    ['category 255', [], /category 255 "x": ids must be 0-254/, { categories: [{ id: 255, name: 'x' }] }],
  ];
  for (const [what, annotations, message, extra] of bad) {
    test(`a bad file is refused before anything is written: ${what}`, async (t) => {
      const dir = tempDir(t);
      cocoFolder(join(dir, 'src'), annotations, extra);
      await assert.rejects(readSource(fs, join(dir, 'src'), 'coco'), message);
    });
  }

  test('instances and stuff files of one split are joined per image; a category must mean the same in both', async (t) => {
    const dir = tempDir(t);
    cocoFolder(dir, [{ id: 1, image_id: 7, category_id: 1, segmentation: { size: [3, 4], counts: [0, 3, 9] } }]);
    const stuff = {
      images: [image],
      annotations: [{ id: 1, image_id: 7, category_id: 3, segmentation: { size: [3, 4], counts: [9, 3] } }],
      categories: [{ id: 3, name: 'grass' }],
    };
    writeFile(join(dir, 'annotations', 'stuff_train.json'), JSON.stringify(stuff));
    const source = await readSource(fs, dir, 'coco');
    assert.deepEqual(
      source.classes.map((c) => c.name),
      ['background', 'cat', 'dog', 'grass'],
    );
    assert.deepEqual(source.splits, ['train']);
    assert.deepEqual(rows((await labelMaps(source)).a), ['1 0 0 3', '1 0 0 3', '1 0 0 3']);
    writeFile(join(dir, 'annotations', 'stuff_train.json'), JSON.stringify({ ...stuff, annotations: [], categories: [{ id: 1, name: 'grass' }] }));
    await assert.rejects(readSource(fs, dir, 'coco'), /stuff_train\.json: category 1 is "grass" here and "cat" in .*instances_train\.json/);
  });

  test('an image whose file size disagrees with its record is reported for that file', async (t) => {
    const dir = tempDir(t);
    cocoFolder(dir, [{ id: 1, image_id: 7, category_id: 1, segmentation: [[0, 0, 1, 0, 1, 1]] }]);
    writeFile(join(dir, 'images', 'train', 'a.png'), pngImage(5, 3));
    const source = await readSource(fs, dir, 'coco');
    await assert.rejects(source.items[0].mask!(), /a\.png: is 5 x 3 but image 7 in .*instances_train\.json is 4 x 3/);
  });
});

describe('COCO out and back', () => {
  test('native -> COCO -> native gives byte-identical masks, the same classes, splits and unlabeled images', async (t) => {
    const dir = tempDir(t);
    makeVoc(join(dir, 'voc'), [{ stem: 'a' }, { stem: 'b', ext: 'png', width: 9, height: 5 }, { stem: 'c', mask: false }], { train: ['a', 'c'], val: ['b'] });
    // The native writer's own encoding is the reference for byte equality.
    await writeTarget(fs, await readSource(fs, join(dir, 'voc'), 'native'), join(dir, 'plain'), 'plain');
    const coco = await writeTarget(fs, await readSource(fs, join(dir, 'plain'), 'native'), join(dir, 'coco'), 'coco');
    assert.deepEqual(coco, { images: 3, masks: 2, problems: [] });
    assert.deepEqual(readdirSync(join(dir, 'coco', 'annotations')).sort(), ['stuff_train.json', 'stuff_val.json']);
    const val = JSON.parse(readFileSync(join(dir, 'coco', 'annotations', 'stuff_val.json'), 'utf8'));
    assert.deepEqual(val.images, [{ id: 2, file_name: 'b.png', width: 9, height: 5 }]);
    assert.ok(val.annotations.every((a: { image_id: number; iscrowd: number }) => a.image_id === 2 && a.iscrowd === 0));
    assert.equal(val.categories.length, 21);

    const back = await readSource(fs, join(dir, 'coco'), 'coco');
    assert.deepEqual(
      back.items.map((i) => [i.stem, i.splits, i.mask !== undefined]),
      [
        ['a', ['train'], true],
        ['b', ['val'], true],
        ['c', ['train'], false],
      ],
    );
    await writeTarget(fs, back, join(dir, 'back'), 'plain');
    assert.deepEqual(maskFiles(join(dir, 'back', 'masks')), maskFiles(join(dir, 'plain', 'masks')));
    const [was, now] = [await loadDataset(fs, join(dir, 'plain')), await loadDataset(fs, join(dir, 'back'))];
    assert.deepEqual(now.config.classes, was.config.classes);
    assert.deepEqual(
      now.images.map((e) => [e.stem, e.splits, e.status]),
      was.images.map((e) => [e.stem, e.splits, e.status]),
    );
  });

  test('a mask whose size differs from its image is reported and left out; the image keeps its own size', async (t) => {
    const dir = tempDir(t);
    makeVoc(join(dir, 'voc'), [
      { stem: 'a', ext: 'png' },
      { stem: 'b', ext: 'png' },
    ]);
    writeFile(join(dir, 'voc', 'SegmentationClass', 'b.png'), indexedMask(W + 1, H, maskValues(W + 1, H, 21, 1)));
    const coco = await writeTarget(fs, await readSource(fs, join(dir, 'voc'), 'native'), join(dir, 'coco'), 'coco');
    assert.equal(coco.masks, 1);
    assert.deepEqual(
      coco.problems.map((p) => [p.path, p.kind]),
      [[join(dir, 'voc', 'JPEGImages', 'b.png'), 'size-mismatch']],
    );
    const json = JSON.parse(readFileSync(join(dir, 'coco', 'annotations', 'stuff_default.json'), 'utf8'));
    assert.deepEqual(json.images[1], { id: 2, file_name: 'b.png', width: W, height: H });
    assert.ok(json.annotations.every((a: { image_id: number }) => a.image_id === 1));
  });
});
