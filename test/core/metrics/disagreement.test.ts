import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfusionMatrix } from '../../../src/core/metrics/confusion';
import { Disagreement } from '../../../src/core/metrics/disagreement';
import { randInt, randomBytes, rng } from './random';

const C = 5;
const IGNORE = 255;

/** Pixels the mIoU counts that are off the confusion matrix's diagonal. */
function offDiagonal(gt: Uint8Array, pred: Uint8Array): number {
  const m = new ConfusionMatrix(C, IGNORE);
  m.accumulate(gt, pred);
  let diagonal = 0;
  for (let c = 0; c < C; c++) diagonal += m.at(c, c);
  return m.pixels - diagonal;
}

/** Labels with classes, ignore pixels and values no class has. */
function labels(random: () => number, n: number): Uint8Array {
  const out = randomBytes(random, n, C);
  for (let i = 0; i < n; i++) {
    const r = random();
    if (r < 0.1) out[i] = IGNORE;
    else if (r < 0.15) out[i] = C + randInt(random, 3);
  }
  return out;
}

describe('Disagreement', () => {
  it('counts exactly the pixels the confusion matrix has off its diagonal (seeded)', () => {
    const random = rng(7);
    for (let round = 0; round < 20; round++) {
      const width = 1 + randInt(random, 40);
      const height = 1 + randInt(random, 30);
      const gt = labels(random, width * height);
      const pred = randomBytes(random, width * height, C + 2); // some predictions outside the classes: misses
      const d = new Disagreement(pred, width, height, C, IGNORE);
      d.update(gt);
      assert.equal(d.count, offDiagonal(gt, pred));
      for (let i = 0; i < gt.length; i++) {
        const compared = gt[i] !== IGNORE && gt[i] < C;
        assert.equal(d.flags[i], compared && gt[i] !== pred[i] ? 1 : 0, `pixel ${i}`);
      }
    }
  });

  it('updated rectangle by rectangle after edits, equals a fresh computation (seeded)', () => {
    const random = rng(11);
    const width = 64;
    const height = 48;
    const gt = labels(random, width * height);
    const pred = randomBytes(random, width * height, C);
    const live = new Disagreement(pred, width, height, C, IGNORE);
    live.update(gt);
    for (let edit = 0; edit < 50; edit++) {
      // Paint a rectangle (partly outside the image at times), then update only it.
      const rect = { x0: randInt(random, width + 8) - 4, y0: randInt(random, height + 8) - 4, x1: 0, y1: 0 };
      rect.x1 = rect.x0 + 1 + randInt(random, 20);
      rect.y1 = rect.y0 + 1 + randInt(random, 20);
      const value = random() < 0.2 ? IGNORE : randInt(random, C);
      for (let y = Math.max(0, rect.y0); y < Math.min(height, rect.y1); y++) {
        for (let x = Math.max(0, rect.x0); x < Math.min(width, rect.x1); x++) gt[y * width + x] = value;
      }
      live.update(gt, rect);
    }
    const fresh = new Disagreement(pred, width, height, C, IGNORE);
    fresh.update(gt);
    assert.equal(live.count, fresh.count);
    assert.deepEqual(live.flags, fresh.flags);
  });

  it('rejects a prediction or label of the wrong size', () => {
    assert.throws(() => new Disagreement(new Uint8Array(5), 2, 3, C, IGNORE), /prediction has 5 pixels, expected 2x3/);
    const d = new Disagreement(new Uint8Array(6), 2, 3, C, IGNORE);
    assert.throws(() => d.update(new Uint8Array(4)), /label has 4 pixels/);
  });
});
