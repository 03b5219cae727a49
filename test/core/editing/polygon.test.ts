import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fillPolygon } from '../../../src/core/editing/polygon';
import { ChangeTracker } from '../../../src/core/editing/tracker';
import { blank, rowsOf } from './helpers';

test('a concave U shape leaves its notch empty', () => {
  const g = blank(6, 5);
  const u = [
    { x: 0, y: 0 },
    { x: 2, y: 0 },
    { x: 2, y: 3 },
    { x: 4, y: 3 },
    { x: 4, y: 0 },
    { x: 6, y: 0 },
    { x: 6, y: 5 },
    { x: 0, y: 5 },
  ];
  fillPolygon(g, new ChangeTracker(g), u, 'evenodd', { value: 1 });
  assert.deepEqual(rowsOf(g), ['11..11', '11..11', '11..11', '111111', '111111']);
});

test('a self-overlapping path differs between even-odd and nonzero', () => {
  // The same square traced twice: even-odd cancels it, nonzero fills it.
  const sq = [
    { x: 1, y: 1 },
    { x: 3, y: 1 },
    { x: 3, y: 3 },
    { x: 1, y: 3 },
  ];
  const twice = [...sq, ...sq];
  const even = blank(4, 4);
  fillPolygon(even, new ChangeTracker(even), twice, 'evenodd', { value: 1 });
  assert.deepEqual(rowsOf(even), ['....', '....', '....', '....']);
  const nonzero = blank(4, 4);
  fillPolygon(nonzero, new ChangeTracker(nonzero), twice, 'nonzero', { value: 1 });
  assert.deepEqual(rowsOf(nonzero), ['....', '.11.', '.11.', '....']);
});

test('polygons are clipped to the mask and respect protect', () => {
  const g = blank(3, 3);
  g.data[4] = 2;
  fillPolygon(
    g,
    new ChangeTracker(g),
    [
      { x: -5, y: -5 },
      { x: 10, y: -5 },
      { x: 10, y: 10 },
      { x: -5, y: 10 },
    ],
    'nonzero',
    { value: 1, onlyValue: 0 },
  );
  assert.deepEqual(rowsOf(g), ['111', '121', '111']);
});
