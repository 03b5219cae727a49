import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SAM_MEAN, SAM_STD } from '../../../src/core/model/promptable/card';
import { encoderInput } from '../../../src/core/model/promptable/encoderInput';
import {
  binaryMaskInput,
  BINARY_MASK_LOGIT,
  promptTensors,
  rankCandidates,
  samFrame,
  thresholdMask,
  upscaleLowRes,
  upscaleLowResMask,
} from '../../../src/core/model/promptable/sam';

test('samFrame rounds the short side as ResizeLongestSide does', () => {
  // 301 * 1024 / 517 = 596.19; 1201 * 1024 / 2003 = 613.99; 640x480 -> 1024x768 exactly.
  assert.deepEqual(samFrame(517, 301, 1024), { width: 517, height: 301, size: 1024, resizedWidth: 1024, resizedHeight: 596 });
  assert.deepEqual(samFrame(1201, 2003, 1024), { width: 1201, height: 2003, size: 1024, resizedWidth: 614, resizedHeight: 1024 });
  assert.deepEqual(samFrame(640, 480, 1024), { width: 640, height: 480, size: 1024, resizedWidth: 1024, resizedHeight: 768 });
});

test('prompt points: x is the column, y the row, each scaled by its own axis; a padding point without a box', () => {
  const frame = samFrame(517, 301, 1024);
  const p = promptTensors(
    frame,
    {
      points: [
        { x: 100, y: 50, positive: true },
        { x: 516, y: 300, positive: false },
      ],
    },
    'req',
  );
  assert.equal(p.count, 3);
  const sx = 1024 / 517;
  const sy = 596 / 301;
  assert.deepEqual([...p.labels], [1, 0, -1]);
  const expected = [100 * sx, 50 * sy, 516 * sx, 300 * sy, 0, 0];
  p.coords.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-3, `coords[${i}] ${v} vs ${expected[i]}`));
});

test('a box becomes labels 2 and 3 (top-left, bottom-right) after the points, with no padding point', () => {
  const frame = samFrame(640, 480, 1024);
  const p = promptTensors(frame, { points: [{ x: 10, y: 20, positive: false }], box: { x0: 300, y0: 400, x1: 100, y1: 40 } }, 'req');
  assert.deepEqual([...p.labels], [0, 2, 3]);
  assert.deepEqual([...p.coords], [16, 32, 160, 64, 480, 640]);
});

test('prompts outside the image, or empty ones, are errors naming their source', () => {
  const frame = samFrame(640, 480, 1024);
  assert.throws(() => promptTensors(frame, { points: [] }, 'line 3'), /line 3: a prompt needs at least one point or a box/);
  assert.throws(() => promptTensors(frame, { points: [{ x: 641, y: 0, positive: true }] }, 'line 3'), /line 3: point \(641, 0\) is outside the 640x480 image/);
  assert.throws(() => promptTensors(frame, { points: [], box: { x0: 0, y0: 0, x1: 10, y1: 500 } }, 'x'), /box \(0, 0, 10, 500\) reaches outside/);
});

test('rankCandidates: by score; SAM 4-mask exports prefer the single-mask token from two decoder points on', () => {
  assert.deepEqual(rankCandidates([0.5, 0.9, 0.7], 2), [1, 2, 0]);
  // One click + padding point: the three ambiguity masks compete, the single-mask token last.
  assert.deepEqual(rankCandidates([0.95, 0.8, 0.9, 0.7], 2), [2, 1, 3, 0]);
  assert.deepEqual(rankCandidates([0.5, 0.8, 0.9, 0.7], 3), [0, 2, 1, 3]);
});

test('thresholdMask: logits > 0 of one channel', () => {
  const logits = Float32Array.from([1, -1, 0, 2, /* channel 1 */ -3, 0.1, 5, -0]);
  assert.deepEqual([...thresholdMask(logits, 0, 4)], [1, 0, 0, 1]);
  assert.deepEqual([...thresholdMask(logits, 1, 4)], [0, 1, 1, 0]);
});

test('binaryMaskInput: a 0/1 mask in the low-resolution frame, padding as background', () => {
  // 8x4 image in a 16 frame: resized 16x8, low-res 4x4, each cell 2x2 image pixels; left half set.
  const mask = new Uint8Array(32);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) mask[y * 8 + x] = 1;
  const L = BINARY_MASK_LOGIT;
  assert.deepEqual([...binaryMaskInput(mask, samFrame(8, 4, 16))], [L, L, -L, -L, L, L, -L, -L, -L, -L, -L, -L, -L, -L, -L, -L]);
});

test('encoderInput: resized to the frame, normalised, zero-padded bottom-right; NCHW and HWC uint8', () => {
  // A uniform 6x3 image in a 16 frame: the valid area is 16x8, rows 8-15 are padding.
  const image = { width: 6, height: 3, channels: 3 as const, data: new Uint8Array(18 * 3).map((_, i) => [200, 100, 50][i % 3]) };
  const t = encoderInput(image, { name: 'image', layout: 'NCHW', dtype: 'float32', size: 16, mean: SAM_MEAN, std: SAM_STD });
  assert.deepEqual(t.dims, [1, 3, 16, 16]);
  const data = t.data as Float32Array;
  for (let c = 0; c < 3; c++) {
    const v = ([200, 100, 50][c] - SAM_MEAN[c]) / SAM_STD[c];
    for (let y = 0; y < 16; y++)
      for (let x = 0; x < 16; x++) {
        const got = data[c * 256 + y * 16 + x];
        assert.ok(Math.abs(got - (y < 8 ? v : 0)) < 1e-5, `c${c} (${x}, ${y}): ${got}`);
      }
  }
  const hwc = encoderInput(image, { name: 'image', layout: 'HWC', dtype: 'uint8', size: 16, mean: [0, 0, 0], std: [1, 1, 1] });
  assert.deepEqual(hwc.dims, [16, 16, 3]);
  assert.ok(hwc.data instanceof Uint8Array);
  assert.deepEqual([...hwc.data.subarray(0, 3)], [200, 100, 50]);
  assert.deepEqual([...hwc.data.subarray(8 * 48, 8 * 48 + 3)], [0, 0, 0]);
  assert.deepEqual([...hwc.data.subarray(7 * 48 + 45, 7 * 48 + 48)], [200, 100, 50]);
});

test('upscaleLowResMask, which computes only round the positive logits, is upscaleLowRes > 0 pixel for pixel', () => {
  const blob = (cx: number, cy: number, r: number) => Float32Array.from({ length: 65536 }, (_, i) => r - Math.hypot((i % 256) - cx, Math.floor(i / 256) - cy));
  const other = blob(230, 180, 7);
  const cases: Array<[string, Float32Array]> = [
    ['a blob', blob(100, 60, 9.5)],
    ['a blob on the corner', blob(0, 255, 4.2)],
    ['one positive cell', blob(37, 201, 0.3)],
    ['two blobs apart', blob(20, 20, 5).map((v, i) => Math.max(v, other[i]))],
    ['nothing positive', new Float32Array(65536).fill(-3)],
    ['zeros', new Float32Array(65536)],
    ['everything positive', new Float32Array(65536).fill(2)],
  ];
  for (const [width, height] of [
    [517, 301],
    [37, 1001],
    [4096, 4096],
    [1601, 999],
  ]) {
    const frame = samFrame(width, height, 1024);
    for (const [name, low] of cases) {
      const want = upscaleLowRes(low, frame);
      const got = upscaleLowResMask(low, frame);
      assert.equal(got.length, want.length);
      let differing = 0;
      for (let i = 0; i < got.length; i++) if (got[i] !== (want[i] > 0 ? 1 : 0)) differing++;
      assert.equal(differing, 0, `${name} at ${width}x${height}`);
    }
  }
});
