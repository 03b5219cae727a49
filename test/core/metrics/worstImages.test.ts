import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfusionMatrix } from '../../../src/core/metrics/confusion';
import { imageScores, rankWorst } from '../../../src/core/metrics/worstImages';

function cm(gt: number[], pred: number[]): ConfusionMatrix {
  const m = new ConfusionMatrix(3);
  m.accumulate(new Uint8Array(gt), new Uint8Array(pred));
  return m;
}

const images = imageScores(
  new Map([
    ['a', cm([0, 0, 1, 1], [0, 1, 1, 1])], // bg 1/2, c1 2/3
    ['b', cm([2, 2, 2, 2], [2, 2, 2, 0])], // bg 0, c2 3/4
    ['c', cm([1, 1, 1, 1], [1, 1, 1, 1])], // c1 1
    ['d', cm([255, 255], [0, 0])], // nothing scored
  ]),
  [],
);

test('worst first by image mIoU, unscored images last', () => {
  assert.deepEqual(
    rankWorst(images).map((i) => i.name),
    ['b', 'a', 'c', 'd'],
  );
  assert.deepEqual(
    rankWorst(images, { limit: 2 }).map((i) => i.name),
    ['b', 'a'],
  );
});

test('a class filter ranks by that class and keeps only images where it appears; a split keeps its names', () => {
  assert.deepEqual(
    rankWorst(images, { classId: 1 }).map((i) => [i.name, i.classIou[1]]),
    [
      ['a', 2 / 3],
      ['c', 1],
    ],
  );
  assert.deepEqual(
    rankWorst(images, { classId: 1, names: new Set(['c']) }).map((i) => i.name),
    ['c'],
  );
});
