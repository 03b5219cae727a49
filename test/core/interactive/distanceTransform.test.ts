import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectedComponents } from '../../../src/core/interactive/components';
import { firstMaximum, squaredDistanceTransform } from '../../../src/core/interactive/distanceTransform';
import { draw } from './helpers';

/** Squared distance to the nearest outside pixel of the image padded by one outside pixel. */
function bruteForce(inside: Uint8Array, width: number, height: number): number[] {
  const outside: Array<[number, number]> = [];
  for (let y = -1; y <= height; y++) {
    for (let x = -1; x <= width; x++) if (x < 0 || y < 0 || x >= width || y >= height || !inside[y * width + x]) outside.push([x, y]);
  }
  return Array.from(inside, (v, i) => {
    if (!v) return 0;
    const x = i % width;
    const y = Math.floor(i / width);
    return Math.min(...outside.map(([ox, oy]) => (ox - x) ** 2 + (oy - y) ** 2));
  });
}

test('distance transform: hand-worked values, the image border counting as outside', () => {
  assert.deepEqual([...squaredDistanceTransform(Uint8Array.of(1), 1, 1)], [1]);
  // A full 5x5 image: the centre is 3 from the padding on every side.
  const full = squaredDistanceTransform(new Uint8Array(25).fill(1), 5, 5);
  assert.deepEqual([...full], [1, 1, 1, 1, 1, 1, 4, 4, 4, 1, 1, 4, 9, 4, 1, 1, 4, 4, 4, 1, 1, 1, 1, 1, 1]);
  // A hole in the middle of a 5x5 square: the corners are 1 from the border, the pixels around the
  // hole 1 from it, nothing deeper.
  const m = draw(['#####', '#####', '##.##', '#####', '#####']);
  const d = squaredDistanceTransform(m.data, m.width, m.height);
  assert.deepEqual([...d], [1, 1, 1, 1, 1, 1, 2, 1, 2, 1, 1, 1, 0, 1, 1, 1, 2, 1, 2, 1, 1, 1, 1, 1, 1]);
});

test('distance transform equals brute force on random masks of odd, non-square sizes', () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (const [w, h, p] of [
    [1, 9, 0.8],
    [13, 7, 0.7],
    [7, 13, 0.9],
    [31, 17, 0.95],
    [20, 20, 0.5],
    [9, 9, 1],
  ] as const) {
    const inside = Uint8Array.from({ length: w * h }, () => (random() < p ? 1 : 0));
    assert.deepEqual([...squaredDistanceTransform(inside, w, h)], bruteForce(inside, w, h), `${w}x${h}`);
  }
});

test('firstMaximum: the first of equal maxima in row-major order', () => {
  assert.equal(firstMaximum(Float64Array.of(1, 4, 2, 4)), 1);
  assert.equal(firstMaximum(Float64Array.of(0, 0)), 0);
});

test('connected components are 4-connected, numbered by their first pixel', () => {
  const m = draw(['#..#', '.#.#', '##..']);
  const { labels, sizes } = connectedComponents(m.data, m.width, m.height);
  // (0,0) touches (1,1) only diagonally: a region of its own.
  assert.deepEqual([...labels], [1, 0, 0, 2, 0, 3, 0, 2, 3, 3, 0, 0]);
  assert.deepEqual(sizes, [1, 2, 3]);
});
