import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyDelta } from '../../src/core/editing/delta';
import { predictionEdit } from '../../src/core/model/applyPrediction';

// 4x3 mask: 0 background, 255 ignore, 1/2 labels
const mask = () => ({ width: 4, height: 3, data: new Uint8Array([0, 0, 1, 1, 255, 0, 1, 2, 0, 0, 0, 0]) });
const labels = new Uint8Array([3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0]);
const confidence = new Uint8Array([255, 40, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255]);

test('fills only unlabeled pixels by default, as one undoable delta over the changed rectangle', () => {
  const m = mask();
  const edit = predictionEdit(m, labels, confidence, { unlabeledValues: [0, 255] })!;
  assert.equal(edit.changedPixels, 4);
  assert.deepEqual(edit.delta.rect, { x0: 0, y0: 0, x1: 2, y1: 2 });
  applyDelta(m, edit.delta, 'redo');
  assert.deepEqual([...m.data], [3, 3, 1, 1, 3, 3, 1, 2, 0, 0, 0, 0]);
  applyDelta(m, edit.delta, 'undo');
  assert.deepEqual(m.data, mask().data);
});

test('replace overwrites labels; low-confidence pixels are left for the person', () => {
  const m = mask();
  const edit = predictionEdit(m, labels, confidence, { unlabeledValues: [0, 255], replace: true, minConfidence: 128 })!;
  applyDelta(m, edit.delta, 'redo');
  assert.deepEqual([...m.data], [3, 0, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0]);
  assert.equal(edit.changedPixels, 7);
});

test('nothing to change gives no edit; a size mismatch is an error', () => {
  const m = mask();
  assert.equal(predictionEdit(m, m.data.slice(), confidence, { unlabeledValues: [0] }), undefined);
  assert.throws(() => predictionEdit(m, new Uint8Array(3), new Uint8Array(3), { unlabeledValues: [0] }), /prediction is 3 pixels, the mask 4x3/);
});
