import assert from 'node:assert/strict';
import { test } from 'node:test';
import { growClass, removeIslands, replaceClass, shrinkClass } from '../../../src/core/editing/cleanup';
import { ChangeTracker } from '../../../src/core/editing/tracker';
import { gridOf, rowsOf } from './helpers';

test('replace class A with B everywhere', () => {
  const g = gridOf(['1.1', '212']);
  replaceClass(g, new ChangeTracker(g), 1, 3);
  assert.deepEqual(rowsOf(g), ['3.3', '232']);
});

test('remove islands gives small regions the surrounding class', () => {
  const g = gridOf(['11111', '12111', '11133', '11133']);
  removeIslands(g, new ChangeTracker(g), 2);
  assert.deepEqual(rowsOf(g), ['11111', '11111', '11133', '11133']);
  const h = gridOf(['11111', '12111', '11133', '11133']);
  removeIslands(h, new ChangeTracker(h), 5);
  assert.deepEqual(rowsOf(h), ['11111', '11111', '11111', '11111']);
  const only = gridOf(['11111', '12111', '11133', '11133']);
  removeIslands(only, new ChangeTracker(only), 5, 2);
  assert.deepEqual(rowsOf(only), ['11111', '11111', '11133', '11133']);
});

test('grow and shrink a class by one pixel', () => {
  const g = gridOf(['.....', '.....', '..1..', '.....', '.....']);
  growClass(g, new ChangeTracker(g), 1);
  assert.deepEqual(rowsOf(g), ['.....', '..1..', '.111.', '..1..', '.....']);
  shrinkClass(g, new ChangeTracker(g), 1);
  assert.deepEqual(rowsOf(g), ['.....', '.....', '..1..', '.....', '.....']);
  const p = gridOf(['.2.', '.1.', '...']);
  growClass(p, new ChangeTracker(p), 1, 0);
  assert.deepEqual(rowsOf(p), ['.2.', '111', '.1.']);
});
