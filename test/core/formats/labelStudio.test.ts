import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadDataset } from '../../../src/core/dataset/datasetIndex';
import { detectFormat, readSource, writeTarget } from '../../../src/core/formats/formats';
import { parseLabelConfig } from '../../../src/core/formats/labelStudioImport';
import { encodeBrush, labelRuns } from '../../../src/core/formats/labelStudioRle';
import type { LabelSource } from '../../../src/core/formats/source';
import { NodeFileSystem } from '../../../src/node/nodeFileSystem';
import { H, indexedMask, makeVoc, maskValues, pngImage, tempDir, W, writeFile } from '../dataset/fixtures';

const fs = new NodeFileSystem();

async function labelMaps(source: LabelSource): Promise<Record<string, number[] | undefined>> {
  const out: Record<string, number[] | undefined> = {};
  for (const item of source.items) out[item.stem] = item.mask && [...(await item.mask()).data];
  return out;
}

// 4 x 2 images; brush over the left column, polygon over the right half (pixel centres x 2.5, 3.5).
const brush = (label: string, id = 'b1') => ({
  id,
  type: 'brushlabels',
  from_name: 'tag',
  to_name: 'image',
  original_width: 4,
  original_height: 2,
  value: { format: 'rle', rle: encodeBrush(labelRuns(Uint8Array.from([1, 0, 0, 0, 1, 0, 0, 0])), 1), brushlabels: [label] },
});
const polygon = (label: string) => ({
  id: 'p1',
  type: 'polygonlabels',
  original_width: 4,
  original_height: 2,
  value: {
    points: [
      [50, 0],
      [100, 0],
      [100, 100],
      [50, 100],
    ],
    polygonlabels: [label],
  },
});

function makeExport(root: string, tasks: unknown[], config?: string): void {
  writeFile(join(root, 'project-1-at-2026-12-06.json'), JSON.stringify(tasks));
  writeFile(join(root, 'images', 'a.png'), pngImage(4, 2));
  writeFile(join(root, 'images', 'b.png'), pngImage(4, 2));
  if (config) writeFile(join(root, 'labeling_config.xml'), config);
}

describe('Label Studio in', () => {
  test('brush and polygon results, upload prefixes and local-files paths; background added for what is not covered', async (t) => {
    const dir = tempDir(t);
    makeExport(dir, [
      { id: 11, data: { image: '/data/upload/1/0a1b2c3d-a.png' }, annotations: [{ id: 5, result: [brush('cat'), polygon('dog')] }] },
      { id: 12, data: { image: '/data/local-files/?d=photos%2Fb.png' }, annotations: [{ id: 6, was_cancelled: true, result: [brush('cat')] }] },
    ]);
    const source = await readSource(fs, dir, 'labelstudio');
    assert.deepEqual(
      source.classes.map((c) => [c.id, c.name]),
      [
        [0, 'background'],
        [1, 'cat'],
        [2, 'dog'],
      ],
    );
    assert.deepEqual(await labelMaps(source), { a: [1, 0, 2, 2, 1, 0, 2, 2], b: undefined });
  });

  test('labeling_config.xml gives ids and colours; with a "background" label what is not covered is ignore; later results win', async (t) => {
    const dir = tempDir(t);
    const config =
      '<View><BrushLabels name="tag" toName="image"><Label value="background" background="#000000"/><Label value="dog" background="#0A0B0C"/><Label value="cat &amp; co" background="#ff0000"/></BrushLabels></View>';
    makeExport(
      dir,
      [{ id: 1, data: { image: 'a.png' }, annotations: [{ result: [polygon('dog'), brush('cat & co'), { type: 'choices', value: { choices: ['x'] } }] }] }],
      config,
    );
    assert.equal(await detectFormat(fs, dir), 'labelstudio');
    const source = await readSource(fs, dir, 'labelstudio');
    assert.deepEqual(source.classes, [
      { id: 0, name: 'background', color: [0, 0, 0] },
      { id: 1, name: 'dog', color: [10, 11, 12] },
      { id: 2, name: 'cat & co', color: [255, 0, 0] },
    ]);
    assert.deepEqual((await labelMaps(source)).a, [2, 255, 1, 1, 2, 255, 1, 1]);
  });

  const bad: Array<[string, unknown[], RegExp]> = [
    [
      'unknown label',
      [{ id: 3, data: { image: 'a.png' }, annotations: [{ id: 4, result: [brush('cow')] }] }],
      /task 3: label "cow" is not in .*labeling_config\.xml/,
    ],
    ['missing image', [{ id: 3, data: { image: '/data/upload/1/zz.png' }, annotations: [] }], /task 3: image "\/data\/upload\/1\/zz\.png" is not in/],
    [
      'brush size',
      [{ id: 3, data: { image: 'a.png' }, annotations: [{ id: 4, result: [{ ...brush('dog', 'r9'), original_width: 5 }] }] }],
      /task 3, annotation 4, result r9: brush RLE holds 32 values, the image needs 40/,
    ],
    [
      'sizes disagree',
      [{ id: 3, data: { image: 'a.png' }, annotations: [{ id: 4, result: [brush('dog'), { ...polygon('dog'), original_height: 3 }] }] }],
      /result p1: 4 x 3 differs from the task's first result, 4 x 2/,
    ],
  ];
  for (const [what, tasks, message] of bad) {
    test(`a bad export is refused naming the file and task: ${what}`, async (t) => {
      const dir = tempDir(t);
      makeExport(dir, tasks, '<View><Label value="background"/><Label value="dog"/></View>');
      await assert.rejects(
        readSource(fs, dir, 'labelstudio'),
        (err: Error) => err.message.includes('project-1-at-2026-12-06.json: ') && message.test(err.message),
      );
    });
  }

  test('label config parsing', () => {
    assert.deepEqual(parseLabelConfig('<Label value="a"/><Label background="#00ff00" value="b &quot;x&quot;"></Label><Labels name="n"/>'), [
      { name: 'a', color: undefined },
      { name: 'b "x"', color: [0, 255, 0] },
    ]);
  });
});

describe('Label Studio out and back', () => {
  test('native -> Label Studio -> native gives byte-identical masks and the same classes', async (t) => {
    const dir = tempDir(t);
    makeVoc(join(dir, 'voc'), [{ stem: 'a' }, { stem: 'b', ext: 'png', width: 9, height: 5 }, { stem: 'c', mask: false }]);
    await writeTarget(fs, await readSource(fs, join(dir, 'voc'), 'native'), join(dir, 'plain'), 'plain');
    const ls = await writeTarget(fs, await readSource(fs, join(dir, 'plain'), 'native'), join(dir, 'ls'), 'labelstudio');
    assert.deepEqual(ls, { images: 3, masks: 2, problems: [] });
    const tasks = JSON.parse(readFileSync(join(dir, 'ls', 'tasks.json'), 'utf8'));
    assert.deepEqual(tasks[2], { data: { image: '/data/local-files/?d=images/c.jpg' } });
    assert.ok(tasks[0].annotations[0].result.every((r: { type: string }) => r.type === 'brushlabels'));

    await writeTarget(fs, await readSource(fs, join(dir, 'ls'), 'labelstudio'), join(dir, 'back'), 'plain');
    const files = (root: string) => Object.fromEntries(readdirSync(root).map((n) => [n, readFileSync(join(root, n)).toString('base64')]));
    assert.deepEqual(files(join(dir, 'back', 'masks')), files(join(dir, 'plain', 'masks')));
    assert.deepEqual((await loadDataset(fs, join(dir, 'back'))).config.classes, (await loadDataset(fs, join(dir, 'plain'))).config.classes);
  });

  test('a mask whose size differs from its image is reported and left out of the tasks', async (t) => {
    const dir = tempDir(t);
    makeVoc(join(dir, 'voc'), [
      { stem: 'a', ext: 'png' },
      { stem: 'b', ext: 'png' },
    ]);
    writeFile(join(dir, 'voc', 'SegmentationClass', 'b.png'), indexedMask(W + 1, H, maskValues(W + 1, H, 21, 1)));
    const ls = await writeTarget(fs, await readSource(fs, join(dir, 'voc'), 'native'), join(dir, 'ls'), 'labelstudio');
    assert.equal(ls.masks, 1);
    assert.deepEqual(
      ls.problems.map((p) => [p.path, p.kind]),
      [[join(dir, 'voc', 'JPEGImages', 'b.png'), 'size-mismatch']],
    );
    const tasks = JSON.parse(readFileSync(join(dir, 'ls', 'tasks.json'), 'utf8'));
    assert.equal(tasks[1].annotations, undefined);
    assert.ok(
      tasks[0].annotations[0].result.every((r: { original_width: number; original_height: number }) => r.original_width === W && r.original_height === H),
    );
  });
});
