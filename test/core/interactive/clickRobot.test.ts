import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextClick } from '../../../src/core/interactive/clickRobot';
import { draw } from './helpers';

const all = (n: number) => new Uint8Array(n).fill(1);

function click(targetRows: string[], predictionRows: string[], validRows?: string[]) {
  const t = draw(targetRows);
  const p = draw(predictionRows);
  return nextClick(t.data, p.data, validRows ? draw(validRows).data : all(t.data.length), t.width, t.height);
}

test('first click: the target pixel farthest from its boundary; ties go to the first in row-major order', () => {
  const empty = ['......', '......', '......', '......', '......'];
  // A 4x3 block: (2,2) and (3,2) are both 2 from the outside; (2,2) comes first.
  assert.deepEqual(click(['......', '.####.', '.####.', '.####.', '......'], empty), { x: 2, y: 2, positive: true });
  // An L: row 3 from x = 1 to 4 is 2 from the outside (the left border, the bottom border, the notch
  // at (2,1) is √5 away); (1,3) comes first.
  assert.deepEqual(click(['##....', '##....', '######', '######', '######'], empty), { x: 1, y: 3, positive: true });
});

test('the image border is a boundary: a target filling the image is clicked in its centre', () => {
  assert.deepEqual(click(['#####', '#####', '#####'], ['.....', '.....', '.....']), { x: 1, y: 1, positive: true });
});

test('the largest error region wins: false positives give a negative click', () => {
  // 4 missed pixels (a 2x2 block at the right) against 6 wrong ones (a 3x2 block at the left).
  const target = ['.......', '.....##', '.....##', '.......'];
  const prediction = ['.......', '###....', '###....', '.......'];
  assert.deepEqual(click(target, prediction), { x: 0, y: 1, positive: false });
});

test('ties between regions: false negatives before false positives, then the first region in row-major order', () => {
  // 4 missed against 4 wrong: positive.
  assert.deepEqual(click(['.....', '...##', '...##'], ['.....', '##...', '##...']), { x: 3, y: 1, positive: true });
  // Two missed regions of 3 pixels: the one starting at (4,0) comes before the one at (0,2).
  assert.deepEqual(click(['....#', '....#', '###.#'], ['.....', '.....', '.....']), { x: 4, y: 0, positive: true });
});

test('ignore pixels are never clicked and are no error', () => {
  // A 3x3 false positive whose centre is an ignore pixel: the click goes to the ring.
  const target = ['.....', '.....', '.....', '.....'];
  const prediction = ['###..', '###..', '###..', '.....'];
  const valid = ['#####', '#.###', '#####', '#####'];
  assert.deepEqual(click(target, prediction, valid), { x: 0, y: 0, positive: false });
  // Only an ignore pixel differs: no error, no click.
  assert.equal(click(['.....', '.#...'], ['.....', '.....'], ['#####', '#.###']), undefined);
});

test('a prediction equal to the target needs no click', () => {
  assert.equal(click(['.##.'], ['.##.']), undefined);
});
