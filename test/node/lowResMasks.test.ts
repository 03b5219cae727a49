/**
 * Smart Select's fast path: a SAM-architecture decoder (scripts/models/build_sam_bench_models.py
 * --decoder-only, random weights, SamOnnxModel's in-graph upscaling) answers from its
 * low-resolution masks, upscaled in TypeScript for the candidate on show, with the masks the graph
 * itself computes, on odd non-square images; its graph without `masks` runs on native ONNX
 * Runtime and on onnxruntime-web's WASM build; the known-answer pair, whose masks are not SAM's
 * upscaling, keeps the decoder's own masks.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDecoderSession } from '../../src/core/model/promptable/decoderSession';
import { releasePromptableModel } from '../../src/core/model/promptable/load';
import { withoutOutputs } from '../../src/core/model/promptable/onnxPrune';
import { decodePrompt, encodeImage, LOW_RES_TOLERANCE } from '../../src/core/model/promptable/predictor';
import { promptTensors, samFrame, upscaleLowRes, type Prompt } from '../../src/core/model/promptable/sam';
import type { Embeddings } from '../../src/core/model/promptable/selection';
import type { FeedTensor } from '../../src/core/model/promptable/session';
import { createNativeSession, loadNativePromptable } from '../../src/node/promptableSessions';
import { tempDir } from '../core/dataset/fixtures';
import { samTestCard, uniformImage } from '../model/promptable/fixtures';
import { randomEmbeddings, samBenchCard, wasmSession } from '../model/promptable/samDecoder';
import { samDecoderDir } from '../model/testModels';

const card = samBenchCard('sam-decoder', 'sam_bench.decoder.onnx');

const decoderBytes = async () => new Uint8Array(readFileSync(join(await samDecoderDir(), 'sam_bench.decoder.onnx')));

/** The decoder's raw outputs for a prompt, as decodePrompt feeds it. */
function feeds(e: Embeddings, prompt: Prompt, previous?: Float32Array): Record<string, FeedTensor> {
  const p = promptTensors(samFrame(e.width, e.height, 1024), prompt, 'test');
  return {
    image_embeddings: { type: 'float32', ...e.tensors.image_embeddings },
    point_coords: { type: 'float32', data: p.coords, dims: [1, p.count, 2] },
    point_labels: { type: 'float32', data: p.labels, dims: [1, p.count] },
    mask_input: { type: 'float32', data: previous ?? new Float32Array(256 * 256), dims: [1, 1, 256, 256] },
    has_mask_input: { type: 'float32', data: Float32Array.of(previous ? 1 : 0), dims: [1] },
    orig_im_size: { type: 'float32', data: Float32Array.of(e.height, e.width), dims: [2] },
  };
}

// Odd, non-square: upscaled landscape (517x301 -> 1024x596), a thin portrait (37x1001 -> 38x1024), downscaled (1601x999 -> 1024x639).
const SIZES: Array<[number, number]> = [
  [517, 301],
  [37, 1001],
  [1601, 999],
];
const promptFor = (w: number, h: number): Prompt => ({
  points: [
    { x: w * 0.3, y: h * 0.4, positive: true },
    { x: w * 0.7, y: h * 0.6, positive: false },
  ],
});

test('upscaleLowRes is the upscaling of low_res_masks inside the decoder graph, for every candidate', async (t) => {
  const decoder = await createNativeSession(await decoderBytes(), 1);
  try {
    let worst = 0;
    for (const [w, h] of SIZES) {
      const e = randomEmbeddings(w, h);
      const out = await decoder.run(feeds(e, promptFor(w, h)), ['masks', 'low_res_masks']);
      const pixels = w * h;
      for (let k = 0; k < 4; k++) {
        const ours = upscaleLowRes(out.low_res_masks.data.slice(k * 65536, (k + 1) * 65536), samFrame(w, h, 1024));
        assert.equal(ours.length, pixels);
        for (let i = 0; i < pixels; i++) {
          const g = out.masks.data[k * pixels + i];
          worst = Math.max(worst, Math.abs(ours[i] - g) / (1 + Math.abs(g)));
        }
      }
    }
    t.diagnostic(`largest |ours - graph| / (1 + |graph|): ${worst.toExponential(2)}`);
    assert.ok(worst <= LOW_RES_TOLERANCE, `${worst} > ${LOW_RES_TOLERANCE}`);
  } finally {
    await decoder.release();
  }
});

test('after its first prompt a SAM decoder answers from low-res masks, pixel for pixel as with its in-graph masks', async (t) => {
  const decoder = await openDecoderSession(await decoderBytes(), 'masks', (b) => createNativeSession(b, 1));
  try {
    for (const [w, h] of SIZES) {
      const e = randomEmbeddings(w, h);
      const first = await decodePrompt(card, decoder, e, promptFor(w, h), undefined, 'test');
      const refined: Prompt = { points: [...promptFor(w, h).points, { x: w * 0.5, y: h * 0.2, positive: true }] };
      const fast = await decodePrompt(card, decoder, e, refined, first.candidates[0].lowRes, 'test');
      const graph = await decodePrompt(card, decoder, e, refined, first.candidates[0].lowRes, 'test', { decoderMasks: true });
      assert.equal(fast.masksFrom, 'lowRes', `${w}x${h}`);
      assert.equal(graph.masksFrom, 'decoder');
      assert.deepEqual(
        fast.candidates.map((c) => c.score),
        graph.candidates.map((c) => c.score),
      );
      // Pixels agree but where the graph's logit is within the tolerance of 0: a float32 rounding decides their side.
      const low = first.candidates[0].lowRes;
      assert.ok(low instanceof Float32Array, 'a SAM candidate refines with its low-resolution logits');
      const raw = await decoder.run(feeds(e, refined, low), ['masks', 'iou_predictions']);
      const order = graph.candidates.map((c) => Array.from(raw.iou_predictions.data).indexOf(c.score));
      for (const [n, c] of fast.candidates.entries()) {
        const g = graph.candidates[n].mask;
        let undecided = 0;
        for (let i = 0; i < w * h; i++) {
          if (c.mask[i] === g[i]) continue;
          const logit = raw.masks.data[order[n] * w * h + i];
          assert.ok(Math.abs(logit) <= LOW_RES_TOLERANCE * (1 + Math.abs(logit)), `${w}x${h} candidate ${n} pixel ${i}: graph logit ${logit}`);
          undecided++;
        }
        t.diagnostic(`${w}x${h} candidate ${n}: ${undecided} of ${w * h} pixels differ, each with a logit within ${LOW_RES_TOLERANCE} of 0`);
      }
    }
  } finally {
    await decoder.release();
  }
});

test('the decoder graph without masks drops their nodes and runs on native ONNX Runtime and WASM with the same scores and low-res masks', async () => {
  const bytes = await decoderBytes();
  const pruned = withoutOutputs(bytes, ['masks']);
  assert.ok(pruned && pruned.length < bytes.length);
  assert.equal(withoutOutputs(bytes, ['no_such_output']), undefined);
  const web = await wasmSession(pruned);
  const full = await createNativeSession(bytes, 1);
  const native = await createNativeSession(pruned, 1);
  try {
    assert.deepEqual(
      native.io.outputs.map((o) => o.name),
      ['iou_predictions', 'low_res_masks'],
    );
    const e = randomEmbeddings(517, 301);
    const input = feeds(e, promptFor(517, 301));
    const want = await full.run(input, ['iou_predictions', 'low_res_masks']);
    for (const session of [native, web]) {
      const got = await session.run(input, ['iou_predictions', 'low_res_masks']);
      for (const name of ['iou_predictions', 'low_res_masks']) {
        const diff = got[name].data.reduce((m, v, i) => Math.max(m, Math.abs(v - want[name].data[i])), 0);
        assert.ok(diff < 1e-3, `${session.provider} ${name}: off by ${diff}`);
      }
    }
  } finally {
    await Promise.all([web.release(), full.release(), native.release()]);
  }
});

test('the known-answer pair, whose masks are not an upscaling of its low-res masks, keeps the masks of its decoder', async (t) => {
  const model = await loadNativePromptable(await samTestCard(tempDir(t)), 1);
  try {
    const e = await encodeImage(model.card, model.encoder, uniformImage(517, 301));
    for (let i = 0; i < 2; i++) {
      const s = await decodePrompt(model.card, model.decoder, e, { points: [{ x: 100, y: 50, positive: true }] }, undefined, 'test');
      assert.equal(s.masksFrom, 'decoder');
    }
  } finally {
    await releasePromptableModel(model);
  }
});
