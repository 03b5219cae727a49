import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decodeMask } from '../../src/core/mask/codec';
import { CVAT_CLASSES, makeCvat, tempDir, writeFile } from '../core/dataset/fixtures';
import { seglab } from './run';

const values = (path: string) => [...decodeMask(readFileSync(path), { path, classes: CVAT_CLASSES }).data];

describe('seglab convert', { concurrency: true }, () => {
  test('cvat -> voc -> cvat through the CLI keeps every mask value; info reads each result', async (t) => {
    const dir = tempDir(t);
    makeCvat(join(dir, 'cvat'), ['x', 'y']);
    const toVoc = await seglab('convert', join(dir, 'cvat'), join(dir, 'voc'), '--to', 'voc');
    assert.equal(toVoc.code, 0, toVoc.stderr);
    assert.match(toVoc.stdout, /voc dataset with 2 images and 2 masks/);
    const back = await seglab('convert', join(dir, 'voc'), join(dir, 'cvat2'), '--to', 'cvat');
    assert.equal(back.code, 0, back.stderr);
    for (const stem of ['x', 'y']) {
      const original = values(join(dir, 'cvat', 'SegmentationClass', `${stem}.png`));
      assert.deepEqual(values(join(dir, 'voc', 'SegmentationClass', `${stem}.png`)), original);
      assert.deepEqual(values(join(dir, 'cvat2', 'SegmentationClass', `${stem}.png`)), original);
    }
    const info = await seglab('info', join(dir, 'cvat2'), '--json');
    assert.equal(info.code, 0);
    assert.deepEqual(JSON.parse(info.stdout).classes, CVAT_CLASSES);
  });

  test('a broken mask is converted around and reported (exit 1); bad arguments exit 2', async (t) => {
    const dir = tempDir(t);
    makeCvat(join(dir, 'cvat'), ['x', 'y']);
    const broken = join(dir, 'cvat', 'SegmentationClass', 'y.png');
    writeFile(broken, readFileSync(broken).subarray(0, 40));
    const r = await seglab('convert', join(dir, 'cvat'), join(dir, 'out'), '--to', 'plain');
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^${broken}: unreadable-mask: .*mask not converted`, 'm'));
    const cases: [string[], RegExp][] = [
      [['convert', join(dir, 'cvat'), join(dir, 'out2'), '--to', 'png'], /--to expects one of voc, cvat, plain, coco, .*got "png"/],
      [['convert', join(dir, 'cvat'), join(dir, 'out2')], /--to expects one of/],
      [['convert', join(dir, 'cvat'), join(dir, 'out'), '--to', 'voc'], /already exists and is not an empty folder/],
      [['convert', join(dir, 'cvat'), '--to', 'voc'], /expected <src> <dst>/],
    ];
    for (const [args, message] of cases) {
      const c = await seglab(...args);
      assert.equal(c.code, 2, args.join(' '));
      assert.match(c.stderr, message);
    }
  });
});
