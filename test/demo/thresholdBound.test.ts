/**
 * scripts/demo/threshold-bound.ts on hand-made scenes, where the best threshold is known: a sharp dark disk is
 * outlined exactly, a neighbour of the same colour is cut off by the region rule, and a faint blurred bright speck is not.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findTargets } from '../../src/core/interactive/targets';
import { bestThreshold } from '../../scripts/demo/threshold-bound';

const W = 48;
const H = 40;

/** A gray RGB image of `background` with `disks` ([cx, cy, r, value]) painted, and the label map (class 1 on disk 0). */
function scene(background: number, disks: [number, number, number, number][]) {
  const data = new Uint8Array(W * H * 3).fill(background);
  const labels = new Uint8Array(W * H);
  disks.forEach(([cx, cy, r, value], k) => {
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        if ((x - cx) ** 2 + (y - cy) ** 2 > r * r) continue;
        data.fill(value, (y * W + x) * 3, (y * W + x) * 3 + 3);
        if (k === 0) labels[y * W + x] = 1;
      }
  });
  const [target] = findTargets({ width: W, height: H, data: labels }, 255, 1);
  return { image: { width: W, height: H, channels: 3 as const, data }, target, valid: new Uint8Array(W * H).fill(1) };
}

test('a sharp dark disk is outlined exactly, a same-coloured neighbour apart from it is left out', () => {
  const { image, target, valid } = scene(240, [
    [14, 20, 6, 60],
    [36, 20, 6, 60],
  ]);
  const result = bestThreshold(image, target, valid);
  assert.equal(result.iou, 1);
  assert.equal(result.brighter, false);
  assert.ok(Math.abs(result.contrast - 180) < 1e-9, `contrast ${result.contrast}`);
});

test('a faint bright speck with a soft edge cannot be outlined by one threshold', () => {
  const { image, target, valid } = scene(200, [[24, 20, 5, 206]]);
  // Soften the edge: the pixels just outside the speck are as bright as the speck's rim.
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const d = Math.hypot(x - 24, y - 20);
      if (d > 5 && d <= 6.5) image.data.fill(206, (y * W + x) * 3, (y * W + x) * 3 + 3);
    }
  const result = bestThreshold(image, target, valid);
  assert.equal(result.brighter, true);
  assert.ok(result.iou < 0.9, `IoU ${result.iou}`);
  assert.ok(result.iou > 0.3, `IoU ${result.iou}: the speck and its halo are one region`);
});
