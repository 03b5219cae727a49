/**
 * The webview's engine for Smart Select's decoder, onnxruntime-web's WASM build on one thread (a
 * VS Code webview is not cross-origin isolated), run in Node through the same core code as the
 * host: the known-answer pair gives the same masks and scores as on native ONNX Runtime.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { releasePromptableModel } from '../../src/core/model/promptable/load';
import { decodePrompt, encodeImage } from '../../src/core/model/promptable/predictor';
import { loadNativePromptable } from '../../src/node/promptableSessions';
import { tempDir } from '../core/dataset/fixtures';
import { expectedMask, mismatches, RADII, samTestCard, uniformImage, type Pt } from '../model/promptable/fixtures';
import { wasmSession } from '../model/promptable/samDecoder';

test('the decoder on onnxruntime-web WASM (1 thread) answers as on native ONNX Runtime', async (t) => {
  const cardPath = await samTestCard(tempDir(t));
  const native = await loadNativePromptable(cardPath, 1);
  assert.equal(native.card.family, 'sam');
  const bytes = readFileSync(join(dirname(cardPath), native.card.decoder.file));
  const web = await wasmSession(bytes);
  try {
    const [width, height] = [613, 347];
    const embeddings = await encodeImage(native.card, native.encoder, uniformImage(width, height));
    const points: Pt[] = [
      [500, 300, 1],
      [20, 10, 1],
      [30, 15, 0],
    ];
    const prompt = { points: points.map(([x, y, l]) => ({ x, y, positive: l === 1 })), box: { x0: 100, y0: 100, x1: 250, y1: 200 } };
    const [a, b] = await Promise.all([
      decodePrompt(native.card, native.decoder, embeddings, prompt, undefined, 't'),
      decodePrompt(native.card, web, embeddings, prompt, undefined, 't'),
    ]);
    assert.equal(web.provider, 'wasm');
    assert.deepEqual(
      b.candidates.map((c) => c.score),
      a.candidates.map((c) => c.score),
    );
    for (let k = 0; k < 3; k++) assert.deepEqual(b.candidates[k].mask, a.candidates[k].mask);
    assert.equal(mismatches(b.candidates[0].mask, expectedMask(width, height, points, RADII[1], [100, 100, 250, 200])), 0);
  } finally {
    await web.release();
    await releasePromptableModel(native);
  }
});
