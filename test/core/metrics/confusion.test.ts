import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfusionMatrix } from '../../../src/core/metrics/confusion';
import { computeScores, type Scores } from '../../../src/core/metrics/scores';
import { bruteForce } from './bruteForce';
import { randInt, randomBytes, rng } from './random';

function assertMatches(scores: Scores, gt: Uint8Array, pred: Uint8Array, numClasses: number, ignoreIndex: number): void {
  const ref = bruteForce(gt, pred, numClasses, ignoreIndex);
  assert.equal(scores.pixels, ref.pixels);
  assert.equal(scores.ignoredPixels, ref.ignoredPixels);
  assert.equal(scores.unknownGtPixels, ref.unknownGtPixels);
  scores.classes.forEach((s, c) => {
    assert.equal(s.intersection, ref.intersection[c], `intersection of class ${c}`);
    assert.equal(s.gtPixels, ref.gtPixels[c], `gt pixels of class ${c}`);
    assert.equal(s.predPixels, ref.predPixels[c], `pred pixels of class ${c}`);
    assert.equal(s.iou, ref.iou[c], `IoU of class ${c}`);
    assert.equal(s.accuracy, ref.accuracy[c], `accuracy of class ${c}`);
  });
  assertClose(scores.miou, ref.miou);
  assertClose(scores.pixelAccuracy, ref.pixelAccuracy);
  assertClose(scores.meanAccuracy, ref.meanAccuracy);
}

function assertClose(actual: number | null, expected: number | null): void {
  if (expected === null) assert.equal(actual, null);
  else assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${actual} != ${expected}`);
}

function scoresOf(gt: Uint8Array, pred: Uint8Array, numClasses: number, ignoreIndex: number): Scores {
  const cm = new ConfusionMatrix(numClasses, ignoreIndex);
  cm.accumulate(gt, pred);
  return computeScores(cm);
}

/** Blocky ground truth and a prediction that is the same blocks shifted, with speckle. */
function structured(random: () => number, width: number, height: number, numClasses: number): [Uint8Array, Uint8Array] {
  const gt = new Uint8Array(width * height);
  const pred = new Uint8Array(width * height);
  const block = 1 + randInt(random, 16);
  const shift = randInt(random, 5);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      gt[y * width + x] = (Math.floor(x / block) + Math.floor(y / block) * 3) % numClasses;
      pred[y * width + x] = random() < 0.05 ? randInt(random, 256) : (Math.floor((x + shift) / block) + Math.floor(y / block) * 3) % numClasses;
    }
  }
  return [gt, pred];
}

describe('ConfusionMatrix', () => {
  it('matches a hand-computed example', () => {
    // gt:   0 0 1 1 2 255 7 ; pred: 0 1 1 9 2 0 0 ; 3 classes, ignore 255
    const s = scoresOf(new Uint8Array([0, 0, 1, 1, 2, 255, 7]), new Uint8Array([0, 1, 1, 9, 2, 0, 0]), 3, 255);
    assert.deepEqual(
      s.classes.map((c) => [c.intersection, c.union, c.gtPixels, c.predPixels]),
      [
        [1, 2, 2, 1],
        [1, 3, 2, 2],
        [1, 1, 1, 1],
      ],
    );
    assert.deepEqual([s.pixels, s.ignoredPixels, s.unknownGtPixels], [5, 1, 1]);
    assert.equal(s.pixelAccuracy, 3 / 5);
    assertClose(s.miou, (1 / 2 + 1 / 3 + 1) / 3);
    assertClose(s.meanAccuracy, (1 / 2 + 1 / 2 + 1) / 3);
  });

  it('gives null IoU and accuracy for classes absent from both sides, and skips them in means', () => {
    const s = scoresOf(new Uint8Array([0, 0, 2]), new Uint8Array([0, 0, 0]), 4, 255);
    assert.equal(s.classes[1].iou, null);
    assert.equal(s.classes[1].accuracy, null);
    assert.equal(s.classes[3].iou, null);
    assert.equal(s.classes[2].iou, 0);
    assert.equal(s.classes[2].accuracy, 0);
    assertClose(s.miou, (2 / 3 + 0) / 2);
    assertClose(s.meanAccuracy, (1 + 0) / 2);
  });

  it('counts a class only predicted as IoU 0 with null accuracy', () => {
    const s = scoresOf(new Uint8Array([0, 0]), new Uint8Array([0, 1]), 2, 255);
    assert.equal(s.classes[1].iou, 0);
    assert.equal(s.classes[1].accuracy, null);
    assert.equal(s.classes[1].predPixels, 1);
  });

  it('gives null means when every pixel is ignored, and for empty input', () => {
    for (const gt of [new Uint8Array([255, 255]), new Uint8Array(0)]) {
      const s = scoresOf(gt, new Uint8Array(gt.length), 3, 255);
      assert.equal(s.miou, null);
      assert.equal(s.pixelAccuracy, null);
      assert.equal(s.meanAccuracy, null);
      assert.equal(s.pixels, 0);
      assert.equal(s.ignoredPixels, gt.length);
    }
  });

  it('treats a prediction outside [0, C), the ignore value included, as a miss with no predicted class', () => {
    const cm = new ConfusionMatrix(2, 255);
    cm.accumulate(new Uint8Array([0, 1, 1]), new Uint8Array([255, 2, 1]));
    assert.equal(cm.at(0, 2), 1);
    assert.equal(cm.at(1, 2), 1);
    const s = computeScores(cm);
    assert.deepEqual(
      s.classes.map((c) => c.predPixels),
      [0, 1],
    );
    assert.deepEqual(
      s.classes.map((c) => c.gtPixels),
      [1, 2],
    );
    assert.equal(s.pixelAccuracy, 1 / 3);
  });

  it('skips ground truth equal to an ignore index inside [0, C)', () => {
    const s = scoresOf(new Uint8Array([0, 0, 1, 2]), new Uint8Array([0, 1, 1, 0]), 3, 0);
    assert.equal(s.ignoredPixels, 2);
    assert.equal(s.classes[0].gtPixels, 0);
    assert.equal(s.classes[0].predPixels, 1);
    assert.equal(s.pixels, 2);
  });

  it('matches brute-force counting on random masks (seeded)', () => {
    const random = rng(1234);
    for (let trial = 0; trial < 60; trial++) {
      const numClasses = [1, 2, 5, 21, 150, 256][trial % 6];
      const ignoreIndex = [255, 0, 300, numClasses - 1, -1][randInt(random, 5)];
      const length = randInt(random, 3000);
      // Values a little past C exercise out-of-range predictions and unknown ground truth.
      const max = Math.min(256, numClasses + 1 + randInt(random, 4));
      const gt = randomBytes(random, length, max);
      const pred = randomBytes(random, length, max);
      for (let i = 0; i < length; i++) if (random() < 0.1) gt[i] = 255;
      assertMatches(scoresOf(gt, pred, numClasses, ignoreIndex), gt, pred, numClasses, ignoreIndex);
    }
  });

  it('matches brute-force counting on structured masks (seeded)', () => {
    const random = rng(99);
    for (let trial = 0; trial < 20; trial++) {
      const numClasses = 1 + randInt(random, 30);
      const [gt, pred] = structured(random, 1 + randInt(random, 80), 1 + randInt(random, 60), numClasses);
      assertMatches(scoresOf(gt, pred, numClasses, 255), gt, pred, numClasses, 255);
    }
  });

  it('gives the same counts for views at any byte offsets (aligned and unaligned paths)', () => {
    const random = rng(7);
    const gtBuf = randomBytes(random, 1000, 8);
    const predBuf = randomBytes(random, 1000, 8);
    for (let a = 0; a < 4; a++) {
      for (let b = 0; b < 4; b++) {
        const gt = gtBuf.subarray(a, a + 993);
        const pred = predBuf.subarray(b, b + 993);
        assertMatches(scoresOf(gt, pred, 6, 7), gt, pred, 6, 7);
      }
    }
  });

  it('matches brute-force counting on long uniform runs, ignore and unknown values included', () => {
    const random = rng(17);
    for (let trial = 0; trial < 20; trial++) {
      const length = 200 + randInt(random, 2000);
      const gt = new Uint8Array(length);
      const pred = new Uint8Array(length);
      for (let i = 0; i < length;) {
        const run = 1 + randInt(random, 60);
        const v = [0, 1, 2, 3, 255, 9, 200][randInt(random, 7)];
        gt.fill(v, i, i + run);
        pred.fill(random() < 0.8 ? v : randInt(random, 6), i, i + run);
        i += run;
      }
      const offset = randInt(random, 8);
      const g = gt.subarray(offset);
      const p = pred.subarray(offset);
      assertMatches(scoresOf(g, p, 4, 255), g, p, 4, 255);
    }
  });

  it('merges partial matrices into exactly the matrix of one run', () => {
    const random = rng(42);
    const gt = randomBytes(random, 5000, 12);
    const pred = randomBytes(random, 5000, 12);
    const whole = new ConfusionMatrix(10, 11);
    whole.accumulate(gt, pred);
    const merged = new ConfusionMatrix(10, 11);
    for (let start = 0; start < gt.length;) {
      const end = Math.min(gt.length, start + randInt(random, 900));
      const part = new ConfusionMatrix(10, 11);
      part.accumulate(gt.subarray(start, end), pred.subarray(start, end));
      merged.merge(part);
      start = end;
    }
    assert.deepEqual(merged.toJSON(), whole.toJSON());
    assert.deepEqual(computeScores(merged), computeScores(whole));
  });

  it('accumulates several calls like one call over the concatenation', () => {
    const random = rng(5);
    const gt = randomBytes(random, 4001, 5);
    const pred = randomBytes(random, 4001, 5);
    const once = new ConfusionMatrix(4);
    once.accumulate(gt, pred);
    const twice = new ConfusionMatrix(4);
    twice.accumulate(gt.subarray(0, 1777), pred.subarray(0, 1777));
    twice.accumulate(gt.subarray(1777), pred.subarray(1777));
    assert.deepEqual(twice.toJSON(), once.toJSON());
  });

  it('keeps interleaved matrices apart', () => {
    const a = new ConfusionMatrix(2);
    const b = new ConfusionMatrix(2);
    a.accumulate(new Uint8Array([0, 0]), new Uint8Array([0, 0]));
    b.accumulate(new Uint8Array([1]), new Uint8Array([1]));
    a.accumulate(new Uint8Array([1]), new Uint8Array([0]));
    assert.deepEqual(Array.from(a.counts), [2, 0, 0, 1, 0, 0]);
    assert.deepEqual(Array.from(b.counts), [0, 0, 0, 0, 1, 0]);
  });

  it('round-trips through JSON', () => {
    const cm = new ConfusionMatrix(3, 0);
    cm.accumulate(new Uint8Array([0, 1, 2, 2, 9]), new Uint8Array([1, 1, 2, 0, 1]));
    const copy = ConfusionMatrix.fromJSON(JSON.parse(JSON.stringify(cm)));
    assert.deepEqual(copy.toJSON(), cm.toJSON());
    assert.equal(copy.ignoreIndex, 0);
    assert.equal(copy.unknownGtPixels, 1);
  });

  it('rejects invalid JSON, sizes and merges', () => {
    const json = new ConfusionMatrix(2).toJSON();
    assert.throws(() => ConfusionMatrix.fromJSON({ ...json, counts: [1, 2, 3] }), RangeError);
    assert.throws(() => ConfusionMatrix.fromJSON({ ...json, counts: [0, 0, 0, 0, 0, -1] }), RangeError);
    assert.throws(() => ConfusionMatrix.fromJSON({ ...json, ignoredPixels: 0.5 }), RangeError);
    assert.throws(() => new ConfusionMatrix(0), RangeError);
    assert.throws(() => new ConfusionMatrix(257), RangeError);
    assert.throws(() => new ConfusionMatrix(2).accumulate(new Uint8Array(3), new Uint8Array(2)), /3 pixels.*2/);
    assert.throws(() => new ConfusionMatrix(2).merge(new ConfusionMatrix(3)), RangeError);
    assert.throws(() => new ConfusionMatrix(2, 255).merge(new ConfusionMatrix(2, 0)), RangeError);
  });
});
