import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { argmaxConfidence, resizeLogits } from '../../src/core/model/postprocess';
import { bilinearTaps, planInput, toInputTensor } from '../../src/core/model/preprocess';

const close = (a: ArrayLike<number>, b: number[], eps = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= eps, `[${i}] ${a[i]} != ${b[i]}`);
};

describe('pre-processing', () => {
  test('dynamic models: pad to the multiple-of; fixed models: resize keeping the aspect ratio, then pad', () => {
    assert.deepEqual(planInput(90, 70, { multipleOf: 16 }), { tensorHeight: 80, tensorWidth: 96, validHeight: 70, validWidth: 90 });
    assert.deepEqual(planInput(1000, 500, { size: [512, 512], multipleOf: 1 }), { tensorHeight: 512, tensorWidth: 512, validHeight: 256, validWidth: 512 });
    assert.deepEqual(planInput(100, 300, { size: [512, 512], multipleOf: 1 }), { tensorHeight: 512, tensorWidth: 512, validHeight: 512, validWidth: 171 });
  });

  test('scale, mean/std per channel, BGR order, zero padding', () => {
    const image = { width: 1, height: 1, channels: 4 as const, data: new Uint8Array([255, 0, 51, 255]) };
    const plan = { tensorHeight: 1, tensorWidth: 2, validHeight: 1, validWidth: 1 };
    const rgb = toInputTensor(image, { mean: [0.5, 0, 0.2], std: [0.5, 1, 0.1], scale: 1 / 255, order: 'RGB' }, plan);
    close(rgb, [1, 0, 0, 0, 0, 0]);
    const bgr = toInputTensor(image, { mean: [0, 0, 0], std: [1, 1, 1], scale: 1, order: 'BGR' }, plan);
    close(bgr, [51, 0, 0, 0, 255, 0]);
  });

  test("bilinear resampling follows torch's align_corners=False rule", () => {
    // 2 -> 4: sources -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to the last pixel)
    const taps = bilinearTaps(2, 4);
    assert.deepEqual([...taps.i0], [0, 0, 0, 1]);
    assert.deepEqual([...taps.i1], [1, 1, 1, 1]);
    close(taps.w1, [0, 0.25, 0.75, 0.25]); // the last weight multiplies the same pixel twice
    const image = { width: 2, height: 1, channels: 3 as const, data: new Uint8Array([0, 0, 0, 100, 100, 100]) };
    const t = toInputTensor(
      image,
      { mean: [0, 0, 0], std: [1, 1, 1], scale: 1, order: 'RGB' },
      { tensorHeight: 1, tensorWidth: 4, validHeight: 1, validWidth: 4 },
    );
    close(t.subarray(0, 4), [0, 25, 75, 100]);
  });
});

describe('post-processing', () => {
  test('resizeLogits upsamples bilinearly and crops the padding', () => {
    const src = new Float32Array([0, 4, 8, 12]); // 1 channel, 2x2
    const full = resizeLogits(src, 1, 2, 2, 4, 4);
    close(full.subarray(0, 4), [0, 1, 3, 4]);
    close(full.subarray(12, 16), [8, 9, 11, 12]);
    close(resizeLogits(src, 1, 2, 2, 4, 4, 1, 3), [0, 1, 3]);
    close(resizeLogits(src, 1, 2, 2, 2, 2, 1, 1), [0]);
    assert.equal(resizeLogits(src, 1, 2, 2, 2, 2), src);
  });

  test('argmax maps channels to class ids; confidence is the top softmax probability in 8 bits', () => {
    // 3 channels, 2 pixels: pixel 0 certain for channel 2, pixel 1 a three-way tie
    const logits = new Float32Array([0, 0, 0, 0, 20, 0]);
    const labels = new Uint8Array(2);
    const conf = new Uint8Array(2);
    argmaxConfidence(logits, 3, 2, new Uint8Array([5, 6, 7]), 'logits', labels, conf);
    assert.deepEqual([...labels], [7, 5]);
    assert.deepEqual([...conf], [255, 85]);
    argmaxConfidence(new Float32Array([0.1, 0.8, 0.1]), 3, 1, new Uint8Array([0, 1, 2]), 'probabilities', labels, conf);
    assert.deepEqual([labels[0], conf[0]], [1, 204]);
  });
});
