import assert from 'node:assert/strict';
import { test } from 'node:test';
import { floodFill, magicWand } from '../../../src/core/editing/fill';
import { ChangeTracker } from '../../../src/core/editing/tracker';
import { blank, gridOf, rowsOf } from './helpers';

test('flood fill is 4-connected: diagonal neighbours are not reached', () => {
  const g = gridOf(['..1..', '.1.1.', '1...1', '.1.1.', '..1..']);
  floodFill(g, new ChangeTracker(g), 2, 2, { value: 2 });
  assert.deepEqual(rowsOf(g), ['..1..', '.121.', '12221', '.121.', '..1..']);
});

test('flood fill of a concave region reaches all its arms', () => {
  const g = gridOf(['.....', '.111.', '.1.1.', '.1.1.', '.....']);
  floodFill(g, new ChangeTracker(g), 0, 0, { value: 3 });
  assert.deepEqual(rowsOf(g), ['33333', '31113', '31313', '31313', '33333']);
});

test('flood fill honours protect and ignores out-of-range clicks', () => {
  const g = gridOf(['11', '..']);
  floodFill(g, new ChangeTracker(g), 0, 0, { value: 2, onlyValue: 0 });
  floodFill(g, new ChangeTracker(g), 5, 0, { value: 2 });
  assert.deepEqual(rowsOf(g), ['11', '..']);
});

test('magic wand selects similar image colours within the tolerance', () => {
  const g = blank(4, 1);
  const image = { width: 4, height: 1, data: new Uint8Array([100, 100, 100, 255, 110, 95, 100, 255, 140, 100, 100, 255, 100, 100, 100, 255]) };
  const t = new ChangeTracker(g);
  magicWand(g, t, image, 0, 0, 10, { value: 5 });
  assert.deepEqual(rowsOf(g), ['55..']);
  magicWand(g, t, image, 0, 0, 40, { value: 6 });
  assert.deepEqual(rowsOf(g), ['6666']);
});
