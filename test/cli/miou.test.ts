import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { indexedMask, makeTiny, makeVoc, maskValues, tempDir, writeFile, H, W } from '../core/dataset/fixtures';
import { seglab } from './run';

const MIOU = (1 / 2 + 6 / 7) / 2;

// Each test spawns processes: run them side by side.
describe('seglab miou', { concurrency: true }, () => {
  test('miou <dataset> --json: the documented shape with nulls, per-image scores and missing', async (t) => {
    const root = tempDir(t);
    makeTiny(root);
    const r = await seglab('miou', root, '--json');
    assert.equal(r.code, 0);
    assert.match(r.stderr, /1 labeled images have no prediction/);
    assert.deepEqual(JSON.parse(r.stdout), {
      miou: MIOU,
      pixelAccuracy: 7 / 8,
      meanAccuracy: 3 / 4,
      pixels: 8,
      ignoredPixels: 0,
      classes: [
        { id: 0, name: 'bg', iou: 1 / 2, accuracy: 1 / 2, intersection: 1, union: 2, gtPixels: 2, predPixels: 1 },
        { id: 1, name: 'fg', iou: 6 / 7, accuracy: 1, intersection: 6, union: 7, gtPixels: 6, predPixels: 7 },
      ],
      images: [
        { name: 'a', miou: (1 / 2 + 2 / 3) / 2, pixelAccuracy: 3 / 4 },
        { name: 'c', miou: 1, pixelAccuracy: 1 },
      ],
      missing: ['b'],
    });
  });

  test('--split and --model select images and predictions; null IoU for an absent class', async (t) => {
    const root = tempDir(t);
    makeTiny(root);
    const r = await seglab('miou', root, '--model', 'unet', '--split', 'val', '--json');
    assert.equal(r.code, 0);
    const out = JSON.parse(r.stdout);
    assert.deepEqual(
      out.images.map((i: { name: string }) => i.name),
      ['c'],
    );
    assert.equal(out.classes[0].iou, null);
    assert.equal(out.classes[0].accuracy, null);
    assert.deepEqual(out.missing, []);
  });

  test('miou --gt --pred --num-classes on two folders; text output is a table', async (t) => {
    const root = tempDir(t);
    makeTiny(root);
    const args = ['miou', '--gt', join(root, 'masks'), '--pred', join(root, 'predictions', 'unet'), '--num-classes', '2'];
    const r = await seglab(...args, '--json');
    assert.equal(r.code, 0);
    const out = JSON.parse(r.stdout);
    assert.equal(out.miou, MIOU);
    assert.deepEqual(
      out.classes.map((c: { name: string }) => c.name),
      ['background', 'aeroplane'],
    );
    const text = await seglab(...args, '--ignore-index', '255');
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^mIoU +67\.86%$/m);
    assert.match(text.stdout, /^ 1 +aeroplane +85\.71% +100\.00% +6 +7$/m);
  });

  test('miou on a VOC dataset with a model folder', async (t) => {
    const root = tempDir(t);
    makeVoc(root, [{ stem: 'a' }, { stem: 'b' }]);
    writeFile(join(root, 'predictions', 'm1', 'a.png'), indexedMask(W, H, maskValues(W, H, 21, 0)));
    writeFile(join(root, 'predictions', 'm1', 'b.png'), indexedMask(W, H, new Uint8Array(W * H)));
    const r = await seglab('miou', root, '--json');
    assert.equal(r.code, 0);
    const out = JSON.parse(r.stdout);
    assert.equal(out.images[0].miou, 1);
    assert.ok(out.images[1].miou < 0.1);
    assert.equal(out.classes.length, 21);
    assert.equal(out.ignoredPixels, 2 * W);
  });

  test('an unreadable prediction exits 1 with its path on stderr', async (t) => {
    const root = tempDir(t);
    makeTiny(root);
    const bad = join(root, 'predictions', 'unet', 'a.png');
    writeFile(bad, 'garbage');
    const r = await seglab('miou', root, '--json');
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`^${bad}: unreadable-mask: `, 'm'));
    assert.deepEqual(
      JSON.parse(r.stdout).images.map((i: { name: string }) => i.name),
      ['c'],
    );
  });

  test('usage errors exit 2', async (t) => {
    const root = tempDir(t);
    makeTiny(root);
    const cases: [string[], RegExp][] = [
      [['miou', '--gt', root, '--pred', root], /--gt needs --pred <dir> and --num-classes N/],
      [['miou', '--gt', root, '--pred', root, '--num-classes', 'x'], /--num-classes expects an integer/],
      [['miou', root, '--split', 'test'], /unknown split "test" \(splits: train, val\)/],
      [['miou', root, '--model', 'nope'], /no predictions of model "nope" \(models: unet\)/],
      [['miou', root, '--pred', join(root, 'x'), '--model', 'unet'], /not both/],
      [['miou', join(root, 'images')], /not a dataset/],
    ];
    await Promise.all(
      cases.map(async ([args, message]) => {
        const r = await seglab(...args);
        assert.equal(r.code, 2, args.join(' '));
        assert.match(r.stderr, message);
      }),
    );
  });
});
