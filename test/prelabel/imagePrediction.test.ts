// The rule both engines of "Pre-label Image" share: a prediction is checked against the mask
// (a webview's answer is untrusted) and becomes one edit of the unlabeled pixels.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClassDef } from '../../src/core/classes';
import { applyDelta } from '../../src/core/editing/delta';
import { backgroundId, checkPrediction, prelabelEdit, type ImagePrediction } from '../../src/core/model/imagePrediction';

const W = 4;
const H = 3;
const classes: ClassDef[] = [
  { id: 0, name: 'background', color: [0, 0, 0] },
  { id: 1, name: 'cell', color: [255, 0, 0] },
  { id: 2, name: 'nucleus', color: [0, 255, 0] },
];
const rules = { classes, ignoreIndex: 255, replace: false, minConfidence: 0 };

/** Every pixel predicted as class 2, confidence 200 except the last row (50). */
function prediction(overrides: Partial<ImagePrediction> = {}): ImagePrediction {
  const confidence = new Uint8Array(W * H).fill(200);
  confidence.fill(50, W * (H - 1));
  return { width: W, height: H, labels: new Uint8Array(W * H).fill(2), confidence, provider: 'webgpu', milliseconds: 12, ...overrides };
}

/** Row 0 background, row 1 class 1, row 2 ignore. */
const mask = () => ({ width: W, height: H, data: Uint8Array.from([0, 0, 0, 0, 1, 1, 1, 1, 255, 255, 255, 255]) });

test('a prediction that covers the mask with known class ids passes the check', () => {
  checkPrediction(prediction(), mask(), rules, 'a.jpg');
});

test('a prediction of another size, with short buffers or unknown class ids is refused, naming the source', () => {
  assert.throws(
    () => checkPrediction(prediction({ width: W + 1 }), mask(), rules, 'a.jpg (webview)'),
    /^Error: a\.jpg \(webview\): the prediction is 5x3, the mask 4x3$/,
  );
  assert.throws(
    () => checkPrediction(prediction({ labels: new Uint8Array(W * H - 1) }), mask(), rules, 'a.jpg'),
    /a\.jpg: the prediction has 11 labels and 12 confidences for 12 pixels/,
  );
  assert.throws(() => checkPrediction(prediction({ confidence: new Uint8Array(0) }), mask(), rules, 'a.jpg'), /12 labels and 0 confidences/);
  const labels = new Uint8Array(W * H).fill(1);
  labels[5] = 7;
  assert.throws(
    () => checkPrediction(prediction({ labels }), mask(), rules, 'a.jpg'),
    /a\.jpg: the prediction contains class id 7, which the dataset does not define/,
  );
  labels[5] = 255; // the ignore index is a valid value
  checkPrediction(prediction({ labels }), mask(), rules, 'a.jpg');
});

test('the edit fills background and ignore pixels only, and one undo restores the mask', () => {
  const m = mask();
  const before = m.data.slice();
  const edit = prelabelEdit(m, prediction(), rules)!;
  assert.equal(edit.changedPixels, 8);
  applyDelta(m, edit.delta, 'redo');
  assert.deepEqual([...m.data], [2, 2, 2, 2, 1, 1, 1, 1, 2, 2, 2, 2]);
  applyDelta(m, edit.delta, 'undo');
  assert.deepEqual(m.data, before);
});

test('replace overwrites labels; a confidence threshold leaves uncertain pixels; no change gives no edit', () => {
  const m = mask();
  applyDelta(m, prelabelEdit(m, prediction(), { ...rules, replace: true, minConfidence: 100 })!.delta, 'redo');
  assert.deepEqual([...m.data], [2, 2, 2, 2, 2, 2, 2, 2, 255, 255, 255, 255]);
  assert.equal(prelabelEdit(m, prediction(), { ...rules, replace: true, minConfidence: 100 }), undefined);
});

test('background is the class named so, else id 0, else none', () => {
  assert.equal(backgroundId(classes), 0);
  assert.equal(
    backgroundId([
      { id: 3, name: ' Background ', color: [0, 0, 0] },
      { id: 0, name: 'x', color: [1, 1, 1] },
    ]),
    3,
  );
  assert.equal(backgroundId([{ id: 1, name: 'cell', color: [0, 0, 0] }]), undefined);
});
