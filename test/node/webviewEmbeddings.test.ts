/**
 * The host's checks of embeddings a webview computed on WebGPU (embeddingTensors.ts), with the
 * known-answer pair's real native encoder: what it computes, sent as a webview sends it, is
 * accepted and enters the disk cache (the store the extension host uses) unchanged; every kind
 * of bad answer is refused with a reason naming its source, before anything is cached.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EmbeddingCache, embeddingKey } from '../../src/core/model/promptable/embeddingCache';
import { checkEncoderOutput, embeddingsFromMessage, embeddingTensors } from '../../src/core/model/promptable/embeddingTensors';
import { releasePromptableModel, type PromptableModel } from '../../src/core/model/promptable/load';
import { encodeImage } from '../../src/core/model/promptable/predictor';
import type { Embeddings } from '../../src/core/model/promptable/selection';
import { folderEmbeddingStore } from '../../src/node/embeddingStore';
import { loadNativePromptable } from '../../src/node/promptableSessions';
import { samTestCard, uniformImage } from '../model/promptable/fixtures';

const [W, H] = [61, 37];
const SOURCE = 'a.png (embeddings from the webview)';
let dir: string;
let model: PromptableModel;
let native: Embeddings;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seglab-webview-embeddings-'));
  model = await loadNativePromptable(await samTestCard(dir), 1);
  native = await encodeImage(model.card, model.encoder, uniformImage(W, H));
});

after(async () => {
  if (model) await releasePromptableModel(model);
  rmSync(dir, { recursive: true, force: true });
});

/** The host's rules for an answer, as webviewEncoder.ts applies them. */
function accept(message: { width: number; height: number; tensors: ReturnType<typeof embeddingTensors> }): Embeddings {
  const embeddings = embeddingsFromMessage(message, W, H, SOURCE);
  checkEncoderOutput(model.card, model.encoder!.io.outputs, embeddings, SOURCE);
  return embeddings;
}

test("the encoder's own embeddings, sent as a webview sends them, are accepted and cached unchanged", async () => {
  const tensors = embeddingTensors(native);
  assert.notEqual(tensors[0].data, native.tensors.image_embeddings.data.buffer, 'the message holds a copy');
  const embeddings = accept({ width: W, height: H, tensors });
  const cache = new EmbeddingCache(folderEmbeddingStore(join(dir, 'cache')), 64 * 1024 * 1024);
  assert.equal(model.card.family, 'sam');
  const key = embeddingKey(model.encoderSha256, model.card.encoder.input, 'ab'.repeat(32));
  await cache.put(key, embeddings);
  assert.equal(readdirSync(join(dir, 'cache')).length, 1);
  const back = await cache.get(key);
  assert.deepEqual(back?.tensors.image_embeddings.dims, [1, 256, 64, 64]);
  assert.deepEqual(back?.tensors.image_embeddings.data, native.tensors.image_embeddings.data);
});

test('bad answers are refused with the reason and the source', () => {
  const good = () => embeddingTensors(native);
  const t = good()[0];
  const nan = new Float32Array(t.data.slice(0));
  nan[5] = Number.NaN;
  const cases: Array<[{ width: number; height: number; tensors: ReturnType<typeof embeddingTensors> }, RegExp]> = [
    [{ width: W + 1, height: H, tensors: good() }, /embeddings for a 62x37 image, this one is 61x37/],
    [{ width: W, height: H, tensors: [{ ...t, data: t.data.slice(4) }] }, /does not hold \[1,256,64,64\] float32 values/],
    [{ width: W, height: H, tensors: [{ ...t, name: 'features' }] }, /embeddings named features, the card maps image_embeddings/],
    [{ width: W, height: H, tensors: [t, { ...t }] }, /comes twice/],
    [
      { width: W, height: H, tensors: [{ ...t, dims: [1, 256, 32, 128] }] },
      /shape \[1, 256, 32, 128\], sam_test.encoder.onnx's "image_embeddings" is \[1, 256, 64, 64\]/,
    ],
    [{ width: W, height: H, tensors: [{ ...t, data: nan.buffer }] }, /holds NaN at index 5/],
  ];
  for (const [message, reason] of cases) {
    assert.throws(
      () => accept(message),
      (e: Error) => reason.test(e.message) && e.message.includes(SOURCE),
      reason.source,
    );
  }
});
