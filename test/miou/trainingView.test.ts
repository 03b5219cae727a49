// The mIoU view's Training section in Chromium: curves from a model card and a live job, their
// summaries, state changes, the note for a model without metrics, and a refused bad message.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { TrainingMessage, TrainingRun } from '../../src/core/miouProtocol';
import { parseModelCard } from '../../src/core/model/card';
import { CurveRecorder, curvesFromCard } from '../../src/training/curves';
import { buildViewBundle, openViewHarness, type ViewHarness } from './viewHarness';

let h: ViewHarness;
const CARD = 'scripts/demo/models/demo-unet.json';
const demo = curvesFromCard(parseModelCard(readFileSync(CARD, 'utf8'), CARD)) as TrainingRun;

const send = (m: unknown) => h.page.evaluate((message) => window.postMessage(message, '*'), JSON.parse(JSON.stringify(m)));
const training = (runs: TrainingRun[], note?: string): TrainingMessage => ({ type: 'training', runs, ...(note ? { note } : {}) }) as TrainingMessage;

/** Pixels of a canvas that something was drawn on (the background is transparent). */
const inked = (selector: string) =>
  h.page.evaluate((s) => {
    const c = document.querySelector(s) as HTMLCanvasElement;
    const data = (c.getContext('2d') as CanvasRenderingContext2D).getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
    return n;
  }, selector);

/** A 4-epoch job with 5 steps an epoch, recorded up to `epochs` epochs. */
function liveJob(epochs: number): TrainingRun {
  const r = new CurveRecorder('f'.repeat(32), 'unet · job ffffffff');
  r.add({ type: 'start', epochs: 4, stepsPerEpoch: 5 });
  for (let e = 1; e <= epochs; e++) {
    for (let i = 1; i <= 5; i++) r.add({ type: 'step', epoch: e, step: (e - 1) * 5 + i, totalSteps: 20, loss: 1.5 / (e + i / 5) });
    r.add({ type: 'epoch', epoch: e, loss: 1 / e, val: { miou: 0.2 * e } });
  }
  return r.run();
}

before(async () => {
  h = await openViewHarness(await buildViewBundle());
  await send({
    type: 'empty',
    version: 1,
    reason: 'no-predictions',
    message: 'No model predictions yet.',
    choices: { datasets: [], models: [], splits: ['all'] },
  });
  await h.page.waitForSelector('#empty');
});

after(async () => {
  await h?.close();
});

test('no training data: no Training section', async () => {
  await send(training([]));
  await h.page.waitForTimeout(50);
  assert.equal(await h.page.locator('#section-training').count(), 0);
});

test("a model card's curves: the val mIoU chart is drawn and the summary names the best epoch", async () => {
  await send(training([demo]));
  await h.page.waitForSelector('#training-summary-0');
  assert.equal(await h.page.textContent('#training-summary-0'), 'val mIoU 65.3% at epoch 18 (best) · last 63.0% at epoch 20');
  assert.equal(await h.page.textContent('.run-title'), 'demo-unet (model card)');
  assert.equal(await h.page.textContent('.run-state'), 'succeeded');
  // The demo card has no per-epoch loss: only the mIoU chart.
  assert.equal(await h.page.locator('#training-loss-0').count(), 0);
  // A canvas gets its label when it is drawn, which follows the DOM update.
  await h.page.waitForSelector('#training-miou-0[aria-label]');
  assert.equal(await h.page.getAttribute('#training-miou-0', 'aria-label'), 'Val mIoU over 20 epochs, best 65.3% at epoch 18');
  assert.ok((await inked('#training-miou-0')) > 500);
});

test('a live job: both charts update with each message; the end state shows', async () => {
  await send(training([liveJob(1), demo]));
  await h.page.waitForFunction(() => document.querySelector('#training-summary-0')?.textContent?.includes('epoch 1'));
  assert.equal(await h.page.textContent('.training-run.job .run-state'), 'running, epoch 1 of 4');
  await h.page.waitForFunction(() => document.querySelector('#training-loss-0')?.getAttribute('aria-label')?.startsWith('Train loss over 1 epochs'));
  const before = await inked('#training-loss-0');
  assert.ok(before > 100);
  await send(training([liveJob(3), demo]));
  await h.page.waitForFunction(
    () => document.querySelector('#training-summary-0')?.textContent === 'val mIoU 60.0% at epoch 3 (best) · train loss 0.333 at epoch 3',
  );
  await h.page.waitForFunction(() => document.querySelector('#training-loss-0')?.getAttribute('aria-label')?.startsWith('Train loss over 3 epochs'));
  assert.ok((await inked('#training-loss-0')) > before, 'more of the loss curve is drawn');
  assert.equal(await h.page.textContent('#training-summary-1'), 'val mIoU 65.3% at epoch 18 (best) · last 63.0% at epoch 20');
  mkdirSync('.test-artifacts', { recursive: true });
  await h.page.locator('#section-training').screenshot({ path: '.test-artifacts/miou-view-training.png' });
  await send(training([{ ...liveJob(3), state: 'failed', error: 'CUDA out of memory' }]));
  await h.page.waitForSelector('.training-run.job[data-state="failed"]');
  assert.equal(await h.page.textContent('.run-error'), 'CUDA out of memory');
  assert.equal(await h.page.textContent('.run-state'), 'failed');
});

test('a model without training metrics: the section says so; a malformed message is refused in the status line', async () => {
  await send(training([], 'The card of deeplab has no training metrics (it was not trained by SegLab).'));
  await h.page.waitForSelector('#training-note');
  assert.equal(await h.page.locator('.training-run').count(), 0);
  await send({ type: 'training', runs: [{ ...demo, state: 'exploded' }] });
  await h.page.waitForFunction(() => document.querySelector('#status')?.textContent?.startsWith('Training curves not shown'));
  assert.match((await h.page.textContent('#status')) ?? '', /runs\[0\]\.state must be one of/);
  assert.equal(await h.page.locator('#training-note').count(), 1, 'the last good curves stay');
  assert.deepEqual(await h.page.evaluate(() => (window as unknown as { violations: string[] }).violations), []);
});
