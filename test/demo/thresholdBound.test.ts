/**
 * scripts/demo/threshold-bound.ts on hand-made scenes, where the best threshold is known: a sharp dark disk is
 * outlined exactly, a neighbour of the same colour is cut off by the region rule, a faint bright speck with a soft
 * edge is not, unless its edge is ignore pixels.
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
    [29, 20, 6, 60], // 3 pixels of background between them, inside the target's window
  ]);
  const result = bestThreshold(image, target, valid);
  assert.equal(result.iou, 1);
  assert.equal(result.brighter, false);
  assert.ok(result.contrast > 100 && result.contrast < 180, `contrast ${result.contrast}: the neighbour darkens the surroundings`);
});

/** A faint bright speck (radius 5) whose edge is soft: the ring of pixels just outside it is as bright as the speck. */
function softSpeck() {
  const speck = scene(200, [[24, 20, 5, 206]]);
  const halo: number[] = [];
  for (let i = 0; i < W * H; i++) {
    const d = Math.hypot((i % W) - 24, Math.floor(i / W) - 20);
    if (d > 5 && d <= 6.5) halo.push(i);
  }
  for (const i of halo) speck.image.data.fill(206, i * 3, i * 3 + 3);
  return { ...speck, halo };
}

test('a faint bright speck with a soft edge cannot be outlined by one threshold', () => {
  const { image, target, valid } = softSpeck();
  const result = bestThreshold(image, target, valid);
  assert.equal(result.brighter, true);
  assert.ok(result.iou < 0.9, `IoU ${result.iou}`);
  assert.ok(result.iou > 0.3, `IoU ${result.iou}: the speck and its halo are one region`);
});

test('ignore pixels are left out of the IoU', () => {
  const { image, target, valid, halo } = softSpeck();
  for (const i of halo) valid[i] = 0;
  assert.equal(bestThreshold(image, target, valid).iou, 1, 'the same halo as ignore pixels');
});
