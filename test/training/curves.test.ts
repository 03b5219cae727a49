import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseModelCard } from '../../src/core/model/card';
import type { JobRecord } from '../../src/training/client';
import { bestEpochOf, CurveRecorder, curvesFromCard, MAX_STEP_POINTS, thin, trainLossOf } from '../../src/training/curves';
import type { ProgressEvent } from '../../src/training/events';

const job = (over: Partial<JobRecord> = {}): JobRecord => ({
  id: 'a'.repeat(32),
  state: 'queued',
  createdAt: '2026-11-26T00:00:00Z',
  dataset: 'd',
  params: { arch: 'unet', epochs: 3 },
  ...over,
});

/** The events of a 3-epoch job with 4 steps an epoch, as backend/API.md describes them. */
function events(): ProgressEvent[] {
  const out: ProgressEvent[] = [{ type: 'start', arch: 'unet', epochs: 3, startEpoch: 0, stepsPerEpoch: 4 }];
  for (let epoch = 1; epoch <= 3; epoch++) {
    for (let i = 1; i <= 4; i++) out.push({ type: 'step', epoch, step: (epoch - 1) * 4 + i, totalSteps: 12, loss: 2 / (epoch + i / 4), lr: 0.001 });
    out.push({ type: 'epoch', epoch, step: epoch * 4, loss: 1 / epoch, val: { miou: [0.3, 0.6, 0.5][epoch - 1] }, best: epoch === 2 });
  }
  return out;
}

test('a job recording: steps at their fraction of an epoch, epoch means, val mIoU, the best epoch, the final state', () => {
  const r = new CurveRecorder(job().id, 'unet · job aaaaaaaa', job());
  assert.equal(r.run().state, 'queued');
  assert.equal(r.run().epochs, 3);
  for (const e of events()) r.add(e);
  const running = r.run();
  assert.equal(running.state, 'running');
  assert.deepEqual(
    running.stepLoss.slice(0, 2).map((p) => p.x),
    [0.25, 0.5],
  );
  assert.equal(running.stepLoss.length, 12);
  assert.deepEqual(running.loss, [
    { x: 1, y: 1 },
    { x: 2, y: 0.5 },
    { x: 3, y: 1 / 3 },
  ]);
  assert.deepEqual(
    running.valMiou.map((p) => p.y),
    [0.3, 0.6, 0.5],
  );
  assert.equal(running.bestEpoch, 2);
  r.add({ type: 'error', message: 'CUDA out of memory' });
  r.end(job({ state: 'failed', error: 'the trainer exited with 1' }));
  assert.equal(r.run().state, 'failed');
  assert.equal(r.run().error, 'the trainer exited with 1');
});

test('a resumed job repeats epochs: the repeated part replaces the old one', () => {
  const r = new CurveRecorder(job().id, 't');
  for (const e of events()) r.add(e);
  r.add({ type: 'start', epochs: 3, startEpoch: 1, stepsPerEpoch: 4 });
  r.add({ type: 'step', epoch: 2, step: 5, totalSteps: 12, loss: 9 });
  r.add({ type: 'epoch', epoch: 2, loss: 0.7, val: { miou: 0.4 } });
  const run = r.run();
  assert.deepEqual(run.stepLoss[run.stepLoss.length - 1], { x: 1.25, y: 9 });
  assert.equal(run.stepLoss.length, 5);
  assert.deepEqual(
    run.loss.map((p) => p.x),
    [1, 2],
  );
  assert.deepEqual(run.valMiou, [
    { x: 1, y: 0.3 },
    { x: 2, y: 0.4 },
  ]);
});

test("events missed (following a job late) are filled from the final record's history", () => {
  const r = new CurveRecorder(job().id, 't');
  r.end(
    job({
      state: 'succeeded',
      history: [
        { epoch: 1, loss: 0.9, miou: 0.2 },
        { epoch: 2, loss: 0.5, miou: 0.4 },
      ],
    }),
  );
  assert.deepEqual(r.run().loss, [
    { x: 1, y: 0.9 },
    { x: 2, y: 0.5 },
  ]);
  assert.equal(r.run().bestEpoch, 2);
  assert.deepEqual(trainLossOf(job({ history: [{ epoch: 1, loss: 0.9, miou: 0.2 }] })), [{ epoch: 1, loss: 0.9 }]);
});

test('step points are thinned to at most MAX_STEP_POINTS, keeping the first and the last', () => {
  const r = new CurveRecorder(job().id, 't');
  r.add({ type: 'start', epochs: 100, stepsPerEpoch: 100 });
  for (let s = 1; s <= 10_000; s++) r.add({ type: 'step', step: s, totalSteps: 10_000, loss: 1 / s });
  const points = r.run().stepLoss;
  assert.ok(points.length <= MAX_STEP_POINTS && points.length > MAX_STEP_POINTS / 2, String(points.length));
  assert.equal(points[0].x, 0.01);
  assert.equal(points[points.length - 1].x, 100);
  assert.ok(points.every((p, i) => i === 0 || p.x > points[i - 1].x));
  assert.deepEqual(thin([{ x: 1, y: 1 }], 1), [{ x: 1, y: 1 }]);
  assert.equal(bestEpochOf([]), undefined);
});

test("a model card's curves: the demo U-Net (val mIoU per epoch, best epoch 18); no metrics gives none", () => {
  const path = 'scripts/demo/models/demo-unet.json';
  const card = parseModelCard(readFileSync(path, 'utf8'), path);
  const run = curvesFromCard(card);
  assert.ok(run);
  assert.equal(run.source, 'card');
  assert.equal(run.title, 'demo-unet');
  assert.equal(run.valMiou.length, 20);
  assert.equal(run.bestEpoch, 18);
  assert.equal(run.epochs, 20);
  assert.deepEqual(run.loss, []);
  const withLoss = curvesFromCard({
    ...card,
    metrics: {
      ...(card.metrics as object),
      trainLoss: [
        { epoch: 1, loss: 0.8 },
        { epoch: 2, loss: 'x' },
        { epoch: 0, loss: 1 },
      ],
    },
  });
  assert.deepEqual(withLoss?.loss, [{ x: 1, y: 0.8 }]);
  assert.equal(curvesFromCard({ ...card, metrics: undefined, training: undefined }), undefined);
  assert.equal(curvesFromCard({ ...card, metrics: { valMiou: 'none' } }), undefined);
});
