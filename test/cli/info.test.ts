import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { defaultClasses } from '../../src/core/classes';
import { CVAT_CLASSES, indexedMask, jpegImage, makeCvat, makeVoc, maskValues, tempDir, writeFile, H, W } from '../core/dataset/fixtures';
import { seglab } from './run';

// Each test spawns processes: run them side by side.
describe('seglab info', { concurrency: true }, () => {
  test('info --json on a VOC dataset: the documented shape, exit 0, nothing on stderr', async (t) => {
    const root = tempDir(t);
    makeVoc(root, [{ stem: 'a' }, { stem: 'b' }, { stem: 'c', mask: false }, { stem: 'd', mask: false }], { train: ['a', 'b'], val: ['c', 'd'] });
    writeFile(join(root, 'predictions', 'unet', 'd.png'), indexedMask(W, H, maskValues(W, H, 21)));
    const r = await seglab('info', root, '--json');
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), {
      layout: 'voc',
      classes: defaultClasses(21),
      ignoreIndex: 255,
      images: 4,
      labeled: 2,
      unlabeled: 1,
      predicted: 1,
      problems: [],
    });
  });

  test('info --json on a CVAT export reads labelmap.txt; text output gives the counts', async (t) => {
    const root = tempDir(t);
    makeCvat(root, ['x', 'y', 'z']);
    const r = await seglab('info', root, '--json');
    assert.equal(r.code, 0);
    const info = JSON.parse(r.stdout);
    assert.equal(info.layout, 'cvat');
    assert.deepEqual(info.classes, CVAT_CLASSES);
    assert.equal(info.labeled, 3);
    const text = await seglab('info', root);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /layout\s+cvat/);
    assert.match(text.stdout, /images\s+3: 3 labeled, 0 unlabeled, 0 predicted, 0 invalid/);
    assert.match(text.stdout, /\n 3 {2}person {6}220,20,60\n?/);
  });

  test('info on a broken dataset: every problem in the JSON and on stderr with its path, exit 1', async (t) => {
    const root = tempDir(t);
    makeVoc(
      root,
      ['ok', 'trunc', 'small', 'odd'].map((stem) => ({ stem })),
      { train: ['ok', 'missing'] },
    );
    const masks = join(root, 'SegmentationClass');
    const full = readFileSync(join(masks, 'trunc.png'));
    writeFile(join(masks, 'trunc.png'), full.subarray(0, full.length >> 1));
    writeFile(join(masks, 'small.png'), indexedMask(W, H - 1, maskValues(W, H - 1, 21)));
    writeFile(join(masks, 'odd.png'), indexedMask(W, H, new Uint8Array(W * H).fill(60)));
    writeFile(join(masks, 'orphan.png'), indexedMask(W, H, maskValues(W, H, 21)));
    writeFile(join(root, 'JPEGImages', 'ok.png'), jpegImage(W, H));
    const r = await seglab('info', root, '--json');
    assert.equal(r.code, 1);
    const info = JSON.parse(r.stdout);
    assert.deepEqual(
      info.problems.map((p: { kind: string; path: string }) => [p.kind, p.path.slice(root.length + 1)]),
      [
        ['duplicate-stem', 'JPEGImages/ok.png'],
        ['orphan-mask', 'SegmentationClass/orphan.png'],
        ['bad-split', 'ImageSets/Segmentation/train.txt'],
        ['unknown-values', 'SegmentationClass/odd.png'],
        ['size-mismatch', 'SegmentationClass/small.png'],
        ['unreadable-mask', 'SegmentationClass/trunc.png'],
      ],
    );
    assert.equal(info.labeled, 1);
    assert.match(info.problems[3].message, /60 \(96 px\)/);
    assert.match(info.problems[4].message, new RegExp(`${W}x${H - 1} but its image JPEGImages/small.jpg is ${W}x${H}`));
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 6);
    for (const [i, p] of info.problems.entries()) assert.ok(lines[i].startsWith(`${p.path}: ${p.kind}: `), lines[i]);
  });

  test('info usage errors exit 2 with the reason on stderr', async (t) => {
    const root = tempDir(t);
    const missing = await seglab('info', join(root, 'nope'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, new RegExp(`${join(root, 'nope')}: no such folder`));
    const notDataset = await seglab('info', root);
    assert.equal(notDataset.code, 2);
    assert.match(notDataset.stderr, /not a dataset/);
    const badFlag = await seglab('info', root, '--jsn');
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /--jsn/);
  });

  test('a broken seglab.json exits 1 naming the file and the field', async (t) => {
    const root = tempDir(t);
    writeFile(join(root, 'seglab.json'), '{"ignoreIndex": 300}');
    const r = await seglab('info', root);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `${join(root, 'seglab.json')}: ignoreIndex: expected an integer 0-255, got 300`);
  });

  test('--help for the tool and each command exits 0; no command or an unknown one exits 2', async () => {
    const help = await seglab('--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /info .*\n.*miou .*\n.*convert /);
    for (const cmd of ['info', 'miou', 'convert']) {
      const r = await seglab(cmd, '--help');
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`^Usage: seglab ${cmd} `));
    }
    assert.equal((await seglab()).code, 2);
    const unknown = await seglab('train');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "train"/);
  });
});
