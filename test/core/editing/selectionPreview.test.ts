import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PREVIEW_ALPHA, previewPixels, selectionBounds } from '../../../src/core/editing/selectionPreview';

test('selectionBounds: the smallest rectangle of the selected pixels; none selected: undefined', () => {
  const sel = new Uint8Array(6 * 4);
  assert.equal(selectionBounds(sel, 6, 4), undefined);
  sel[1 * 6 + 4] = 1;
  sel[2 * 6 + 1] = 1;
  assert.deepEqual(selectionBounds(sel, 6, 4), { x0: 1, y0: 1, x1: 5, y1: 3 });
});

test('previewPixels: the class colour, opaque on the outline (and the image border), translucent inside, clear outside', () => {
  // A 4x3 block at (0..3, 0..2) of a 5x4 image: only (1, 1) and (2, 1) have four selected neighbours.
  const [w, h] = [5, 4];
  const sel = new Uint8Array(w * h);
  for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) sel[y * w + x] = 1;
  const rect = selectionBounds(sel, w, h)!;
  const rgba = previewPixels(sel, w, h, rect, [10, 20, 30]);
  const alpha = (x: number, y: number) => rgba[((y - rect.y0) * (rect.x1 - rect.x0) + (x - rect.x0)) * 4 + 3];
  assert.deepEqual([...rgba.subarray(0, 3)], [10, 20, 30]);
  assert.equal(alpha(1, 1), PREVIEW_ALPHA.inside);
  assert.equal(alpha(2, 1), PREVIEW_ALPHA.inside);
  for (const [x, y] of [
    [0, 0],
    [0, 1],
    [3, 1],
    [2, 2],
  ])
    assert.equal(alpha(x, y), PREVIEW_ALPHA.outline, `(${x}, ${y}) is on the outline`);
  assert.equal(rgba.length, 4 * 3 * 4);
});
