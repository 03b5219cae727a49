import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultClasses } from '../../../src/core/classes';
import { ConfusionMatrix } from '../../../src/core/metrics/confusion';
import { computeScores } from '../../../src/core/metrics/scores';

describe('computeScores', () => {
  it('names classes from their definitions by id, else class_<id>', () => {
    const cm = new ConfusionMatrix(3);
    const s = computeScores(cm, [{ id: 1, name: 'road', color: [1, 2, 3] }]);
    assert.deepEqual(
      s.classes.map((c) => c.name),
      ['class_0', 'road', 'class_2'],
    );
    assert.deepEqual(
      computeScores(cm, defaultClasses(3)).classes.map((c) => c.name),
      ['background', 'aeroplane', 'bicycle'],
    );
  });

  it('gives per-image scores from per-image matrices whose merge is the dataset score', () => {
    const images: [number[], number[]][] = [
      [
        [0, 0, 1, 1],
        [0, 1, 1, 1],
      ],
      [
        [2, 2, 255, 0],
        [2, 0, 0, 0],
      ],
    ];
    const dataset = new ConfusionMatrix(3);
    const perImage = images.map(([gt, pred]) => {
      const cm = new ConfusionMatrix(3);
      cm.accumulate(Uint8Array.from(gt), Uint8Array.from(pred));
      dataset.merge(cm);
      return computeScores(cm);
    });
    // Image 1: class 0 IoU 1/2, class 1 IoU 2/3, class 2 absent.
    assert.deepEqual(
      perImage[0].classes.map((c) => c.iou),
      [1 / 2, 2 / 3, null],
    );
    assert.equal(perImage[0].miou, (1 / 2 + 2 / 3) / 2);
    const all = computeScores(dataset);
    assert.equal(all.pixels, 7);
    assert.equal(all.ignoredPixels, 1);
    // Class 0 over both: gt 3, pred 3, intersection 2 -> 2/4.
    assert.equal(all.classes[0].iou, 2 / 4);
  });

  it('serialises with null for undefined values', () => {
    const s = computeScores(new ConfusionMatrix(1));
    assert.deepEqual(JSON.parse(JSON.stringify(s)), {
      miou: null,
      pixelAccuracy: null,
      meanAccuracy: null,
      pixels: 0,
      ignoredPixels: 0,
      unknownGtPixels: 0,
      classes: [{ id: 0, name: 'class_0', iou: null, accuracy: null, intersection: 0, union: 0, gtPixels: 0, predPixels: 0 }],
    });
  });
});
