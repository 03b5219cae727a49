import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Click } from '../../../src/core/interactive/clickRobot';
import { clicksTo, maskIou, runTarget, summarise } from '../../../src/core/interactive/noc';
import { rgbaOf, wandSegmenter } from '../../../src/core/interactive/segmenters';
import { findTargets, validPixels } from '../../../src/core/interactive/targets';
import { draw } from './helpers';

test('targets: each 4-connected region of each non-background class with at least min-area pixels; ignore is no target', () => {
  const labels = draw(['11.22', '11.2.', '....1', '99.11']);
  labels.data[2] = 255; // (2,0) and (2,2): ignore
  labels.data[12] = 255;
  const targets = findTargets(labels, 255, 2);
  assert.deepEqual(
    targets.map((t) => [t.classId, t.area, t.x, t.y]),
    [
      [1, 4, 0, 0],
      [1, 3, 4, 2],
      [2, 3, 3, 0],
      [9, 2, 0, 3],
    ],
  );
  assert.deepEqual([...targets[1].mask], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1]);
  assert.equal(findTargets(labels, 255, 4).length, 1);
  assert.deepEqual([...validPixels(labels, 255)].filter((v) => v === 0).length, 2);
});

test('IoU over valid pixels', () => {
  const t = draw(['##..']).data;
  const p = draw(['#.#.']).data;
  assert.equal(maskIou(p, t, Uint8Array.of(1, 1, 1, 1)), 1 / 3);
  assert.equal(maskIou(p, t, Uint8Array.of(1, 1, 0, 1)), 1 / 2);
  assert.equal(maskIou(new Uint8Array(4), new Uint8Array(4), Uint8Array.of(1, 1, 1, 1)), 1);
});

test('NoC@t counts clicks until IoU >= t, max-clicks when never reached', () => {
  assert.equal(clicksTo([0.5, 0.86, 0.91], 0.85), 2);
  assert.equal(clicksTo([0.5, 0.86, 0.91], 0.9), 3);
  assert.equal(clicksTo([0.5, 0.86, 0.89], 0.9), 3);
  assert.equal(clicksTo([0.9], 0.9), 1);
});

test('summary: mean NoC, NoF and mean IoU after k clicks, per class and overall', () => {
  const runs = [
    { classId: 1, ious: [0.9, 0.95, 1] },
    { classId: 1, ious: [0.5, 0.86, 0.88] },
    { classId: 2, ious: [0.2, 0.4, 0.92] },
  ];
  const s = summarise(runs, [0.85, 0.9], 3);
  assert.deepEqual(s.overall.noc, [(1 + 2 + 3) / 3, (1 + 3 + 3) / 3]);
  assert.deepEqual(s.overall.nof, [0, 1 / 3]);
  assert.deepEqual(
    s.overall.meanIou.map((v) => Math.round(v * 1000)),
    [533, 737, 933],
  );
  assert.deepEqual(
    s.classes.map((c) => [c.classId, c.targets, c.noc, c.nof]),
    [
      [1, 2, [1.5, 2], [0, 0.5]],
      [2, 1, [3, 3], [0, 0]],
    ],
  );
});

test('runTarget: the robot clicks the errors of each prediction; no error, no click', async () => {
  const target = findTargets(draw(['.111.', '.111.', '.111.', '.....']), 255, 1)[0];
  const valid = new Uint8Array(20).fill(1);
  // First answer: the target and one false pixel at (4,3); second: exactly the target.
  const answers = [draw(['.###.', '.###.', '.###.', '....#']).data, target.mask];
  const seen: Click[][] = [];
  const run = await runTarget(
    target,
    valid,
    5,
    4,
    async (clicks) => {
      seen.push([...clicks]);
      return answers[seen.length - 1];
    },
    4,
  );
  assert.deepEqual(run.clicks, [
    { x: 2, y: 1, positive: true },
    { x: 4, y: 3, positive: false },
  ]);
  assert.deepEqual(run.ious, [9 / 10, 1, 1, 1]);
  assert.equal(seen.length, 2);
});

test('the magic-wand baseline: a positive click adds the wand region, a negative one removes it', async () => {
  // Two colours: a bright 3x2 block on the left, a dark background; the wand picks the block.
  const width = 5;
  const height = 2;
  const bright = draw(['###..', '###..']).data;
  const data = new Uint8Array(width * height * 3);
  bright.forEach((b, i) => data.fill(b ? 250 : 10, 3 * i, 3 * i + 3));
  const segment = wandSegmenter(rgbaOf({ width, height, channels: 3, data }), 32);
  assert.deepEqual([...(await segment([{ x: 0, y: 0, positive: true }]))], [...bright]);
  const both = await segment([
    { x: 0, y: 0, positive: true },
    { x: 4, y: 1, positive: true },
  ]);
  assert.deepEqual([...both], new Array(10).fill(1));
  const back = await segment([
    { x: 0, y: 0, positive: true },
    { x: 4, y: 1, positive: true },
    { x: 1, y: 1, positive: false },
  ]);
  assert.deepEqual([...back], [...draw(['...##', '...##']).data]);
});
