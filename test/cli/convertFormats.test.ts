import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decodeMask } from '../../src/core/mask/codec';
import { makeVoc, pngImage, tempDir, writeFile } from '../core/dataset/fixtures';
import { seglab } from './run';

/** A COCO folder: one 4 x 3 image with a polygon of category 1 (annotation 5). */
function makeCoco(root: string, categoryId = 1): void {
  const coco = {
    images: [{ id: 1, file_name: 'a.png', width: 4, height: 3 }],
    annotations: [{ id: 5, image_id: 1, category_id: categoryId, segmentation: [[0, 0, 2, 0, 2, 2, 0, 2]], iscrowd: 0 }],
    categories: [{ id: 1, name: 'cell' }],
  };
  writeFile(join(root, 'annotations', 'instances_val.json'), JSON.stringify(coco));
  writeFile(join(root, 'images', 'val', 'a.png'), pngImage(4, 3));
}

describe('seglab convert between formats', { concurrency: true }, () => {
  test('COCO (detected) -> voc -> coco; info reads the VOC result', async (t) => {
    const dir = tempDir(t);
    makeCoco(join(dir, 'coco'));
    const toVoc = await seglab('convert', join(dir, 'coco'), join(dir, 'voc'), '--to', 'voc');
    assert.equal(toVoc.code, 0, toVoc.stderr);
    assert.match(toVoc.stdout, /voc dataset with 1 images and 1 masks/);
    const info = await seglab('info', join(dir, 'voc'), '--json');
    assert.equal(info.code, 0, info.stderr);
    assert.deepEqual(
      JSON.parse(info.stdout).classes.map((c: { name: string }) => c.name),
      ['background', 'cell'],
    );
    const back = await seglab('convert', join(dir, 'voc'), join(dir, 'coco2'), '--from', 'native', '--to', 'coco');
    assert.equal(back.code, 0, back.stderr);
    const json = JSON.parse(readFileSync(join(dir, 'coco2', 'annotations', 'stuff_val.json'), 'utf8'));
    assert.deepEqual(
      json.annotations.map((a: { category_id: number; area: number }) => [a.category_id, a.area]),
      [
        [0, 8],
        [1, 4],
      ],
    );
  });

  test('a VOC dataset -> cityscapes writes the real file names', async (t) => {
    const dir = tempDir(t);
    makeVoc(join(dir, 'voc'), [{ stem: 'aachen_000000_000019' }], { train: ['aachen_000000_000019'] });
    const r = await seglab('convert', join(dir, 'voc'), join(dir, 'cs'), '--to', 'cityscapes');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(join(dir, 'cs', 'gtFine', 'train', 'aachen', 'aachen_000000_000019_gtFine_labelTrainIds.png')));
    assert.ok(existsSync(join(dir, 'cs', 'leftImg8bit', 'train', 'aachen', 'aachen_000000_000019_leftImg8bit.jpg')));
  });

  test('a bad annotation file: exit 1 naming the file and the annotation, nothing written', async (t) => {
    const dir = tempDir(t);
    makeCoco(join(dir, 'coco'), 9);
    const r = await seglab('convert', join(dir, 'coco'), join(dir, 'out'), '--to', 'plain');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /instances_val\.json: annotation 5: unknown category 9/);
    assert.equal(existsSync(join(dir, 'out')), false);
  });

  test('usage errors exit 2', async (t) => {
    const dir = tempDir(t);
    makeCoco(join(dir, 'coco'));
    makeVoc(join(dir, 'voc'), [{ stem: 'a' }]);
    writeFile(join(dir, 'other', 'x.txt'), 'x');
    const cases: [string[], RegExp][] = [
      [['convert', join(dir, 'other'), join(dir, 'o1'), '--to', 'voc'], /the format is not recognised; name it with --from/],
      [['convert', join(dir, 'coco'), join(dir, 'o2'), '--from', 'yolo', '--to', 'voc'], /--from expects one of native, coco, .*got "yolo"/],
      [['convert', join(dir, 'voc'), join(dir, 'o3'), '--to', 'coco', '--overlap', 'smaller'], /--overlap applies to COCO sources only/],
      [['convert', join(dir, 'coco'), join(dir, 'o4'), '--to', 'voc', '--overlap', 'largest'], /--overlap expects one of later, smaller/],
      [['convert', join(dir, 'missing'), join(dir, 'o5'), '--to', 'voc'], /missing: no such file or folder/],
    ];
    for (const [args, message] of cases) {
      const c = await seglab(...args);
      assert.equal(c.code, 2, args.join(' '));
      assert.match(c.stderr, message);
    }
  });
});

test('seglab convert: a VOC dataset -> Label Studio -> voc keeps the masks', async (t) => {
  const dir = tempDir(t);
  makeVoc(join(dir, 'voc'), [{ stem: 'a' }, { stem: 'b' }]);
  const out = await seglab('convert', join(dir, 'voc'), join(dir, 'ls'), '--to', 'labelstudio');
  assert.equal(out.code, 0, out.stderr);
  const back = await seglab('convert', join(dir, 'ls', 'tasks.json'), join(dir, 'voc2'), '--to', 'voc');
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /voc dataset with 2 images and 2 masks/);
  for (const stem of ['a', 'b']) {
    const path = (root: string) => join(dir, root, 'SegmentationClass', `${stem}.png`);
    const values = (root: string) => [...decodeMask(readFileSync(path(root)), { path: path(root), classes: [] }).data];
    assert.deepEqual(values('voc2'), values('voc'));
  }
});
