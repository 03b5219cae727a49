import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stamp, strokeSegment } from '../../../src/core/editing/brush';
import { ChangeTracker } from '../../../src/core/editing/tracker';
import { blank, gridOf, rowsOf } from './helpers';

test('round brush of size 5 is a disc, size 3 a plus, size 1 a pixel', () => {
  const g = blank(7, 7);
  stamp(g, new ChangeTracker(g), 3, 3, { shape: 'round', size: 5 }, { value: 1 });
  assert.deepEqual(rowsOf(g), ['.......', '..111..', '.11111.', '.11111.', '.11111.', '..111..', '.......']);
  const p = blank(3, 3);
  stamp(p, new ChangeTracker(p), 1, 1, { shape: 'round', size: 3 }, { value: 2 });
  assert.deepEqual(rowsOf(p), ['.2.', '222', '.2.']);
  const one = blank(2, 2);
  stamp(one, new ChangeTracker(one), 1, 0, { shape: 'round', size: 1 }, { value: 3 });
  assert.deepEqual(rowsOf(one), ['.3', '..']);
});

test('square brush clips at every border', () => {
  const g = blank(4, 3);
  stamp(g, new ChangeTracker(g), 0, 0, { shape: 'square', size: 3 }, { value: 1 });
  stamp(g, new ChangeTracker(g), 3, 2, { shape: 'square', size: 4 }, { value: 2 });
  assert.deepEqual(rowsOf(g), ['11..', '1122', '..22']);
  const off = blank(3, 3);
  stamp(off, new ChangeTracker(off), -10, 20, { shape: 'round', size: 5 }, { value: 1 });
  assert.deepEqual(rowsOf(off), ['...', '...', '...']);
});

test('a stroke has no gaps and protect keeps other classes', () => {
  const g = gridOf(['..2.....', '..2.....', '..2.....']);
  const t = new ChangeTracker(g);
  strokeSegment(g, t, { x: 0, y: 1 }, { x: 7.9, y: 1.2 }, { shape: 'square', size: 1 }, { value: 1, onlyValue: 0 });
  assert.deepEqual(rowsOf(g), ['..2.....', '11211111', '..2.....']);
  const d = t.finish();
  assert.deepEqual(d?.rect, { x0: 0, y0: 1, x1: 8, y1: 2 });
});
