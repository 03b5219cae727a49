// The host side of "Pre-label Image": a prediction becomes one MaskModel edit that undoes,
// survives hot exit (journal replay) and is refused when the mask changed since.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { predictionEdit } from '../../src/core/model/applyPrediction';
import { findImageContext } from '../../src/editor/imageContext';
import { replayJournal, serializeJournal } from '../../src/core/editing/journal';
import { loadMask, MaskModel } from '../../src/editor/maskModel';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { backgroundId } from '../../src/core/model/imagePrediction';
import { indexedMask, jpegImage, tempDir, writeFile } from '../core/dataset/fixtures';

const fs = new NodeFileSystem();
const W = 8;
const H = 6;

/** Left half class 1, right half class 2; confidence falls off towards the bottom rows. */
function prediction() {
  const labels = new Uint8Array(W * H);
  const confidence = new Uint8Array(W * H);
  for (let i = 0; i < W * H; i++) {
    labels[i] = i % W < W / 2 ? 1 : 2;
    confidence[i] = Math.floor(i / W) < 4 ? 250 : 60;
  }
  return { labels, confidence };
}

async function open(t: { after(fn: () => void): void }, mask?: Uint8Array): Promise<MaskModel> {
  const root = tempDir(t);
  writeFile(join(root, 'images', 'a.jpg'), jpegImage(W, H));
  mkdirSync(join(root, 'masks'), { recursive: true }); // images/ + masks/ make a dataset
  if (mask) writeFile(join(root, 'masks', 'a.png'), indexedMask(W, H, mask));
  const context = await findImageContext(fs, join(root, 'images', 'a.jpg'));
  return new MaskModel(context, await loadMask(fs, context));
}

function edit(model: MaskModel, options: { replace?: boolean; minConfidence?: number } = {}) {
  const { classes, ignoreIndex } = model.context.config;
  const { labels, confidence } = prediction();
  return predictionEdit(model.mask, labels, confidence, { unlabeledValues: [backgroundId(classes)!, ignoreIndex], ...options });
}

test('an unlabeled image gets the confident predicted pixels as one edit; undo restores it; the journal replays it', async (t) => {
  const model = await open(t);
  const e = edit(model, { minConfidence: 128 })!;
  assert.equal(e.changedPixels, W * 4);
  model.apply(e.delta);
  assert.equal(model.mask.data.filter((v) => v !== 0).length, W * 4, 'the low-confidence rows stay unlabeled');
  const backup = serializeJournal(model.journal);

  const restored = await loadMask(fs, model.context);
  replayJournal(restored, backup);
  assert.deepEqual(restored.data, model.mask.data, 'hot exit restores the pre-label');

  assert.ok(model.step(e.delta, 'undo'));
  assert.ok(model.mask.data.every((v) => v === 0));
});

test('labeled pixels are kept unless replacing; a stale pre-label is refused without changes', async (t) => {
  const labeled = new Uint8Array(W * H);
  labeled.fill(3, 0, W); // the first row is debris
  const model = await open(t, labeled);
  const fill = edit(model)!;
  assert.equal(fill.changedPixels, W * (H - 1));
  const replace = edit(model, { replace: true })!;
  assert.equal(replace.changedPixels, W * H);

  model.apply(fill.delta);
  const before = model.mask.data.slice();
  assert.throws(() => model.apply(replace.delta), /does not match the current mask/);
  assert.deepEqual(model.mask.data, before);
});
