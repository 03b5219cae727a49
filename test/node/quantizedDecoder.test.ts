/**
 * A quantized SAM decoder, as SAM's export script writes it with --quantize-out (quantize_dynamic,
 * QUInt8 weights; here scripts/models/quantize_dynamic.py over the SAM-architecture decoder with
 * random weights): Add Model's and `seglab card`'s recognition takes it as a SAM pair, it loads from
 * its card, its first prompt finds that its in-graph masks are SAM's upscaling of its low-res
 * masks so later prompts take the low-res path, and the webview's engine (onnxruntime-web WASM,
 * 1 thread) gives the host's answers; its masks stay close to the fp32 decoder's.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SAM_DECODER_NAMES } from '../../src/core/model/promptable/card';
import { openDecoderSession } from '../../src/core/model/promptable/decoderSession';
import { releasePromptableModel } from '../../src/core/model/promptable/load';
import { decodePrompt } from '../../src/core/model/promptable/predictor';
import { pairName, recogniseSam } from '../../src/core/model/promptable/recognise';
import { createNativeSession, loadNativePromptable, promptablePart } from '../../src/node/promptableSessions';
import { tempDir } from '../core/dataset/fixtures';
import { iou, randomEmbeddings, wasmSession } from '../model/promptable/samDecoder';
import { promptableModelsDir, samDecoderDir, samQuantizedDecoderDir } from '../model/testModels';

const QUANTIZED = 'sam_bench.decoder.quant.onnx';

/** The known-answer pair's encoder (it has SAM's encoder signature) with the quantized decoder, and the card recognition writes for them. */
async function quantizedPair(dir: string): Promise<string> {
  const encoder = join(await promptableModelsDir(), 'sam_test.encoder.onnx');
  copyFileSync(encoder, join(dir, 'sam_q.encoder.onnx'));
  copyFileSync(join(await samQuantizedDecoderDir(), QUANTIZED), join(dir, 'sam_q.decoder.onnx'));
  const part = async (file: string) => promptablePart(new Uint8Array(readFileSync(join(dir, file))), join(dir, file));
  const card = recogniseSam(pairName('sam_q.encoder.onnx'), await part('sam_q.encoder.onnx'), await part('sam_q.decoder.onnx'));
  const cardPath = join(dir, 'sam_q.json');
  writeFileSync(cardPath, JSON.stringify(card));
  return cardPath;
}

test('the quantized decoder is integer arithmetic at less than half the size, and recognition writes a SAM card for it', async (t) => {
  const fp32 = readFileSync(join(await samDecoderDir(), 'sam_bench.decoder.onnx'));
  const quantized = readFileSync(join(await samQuantizedDecoderDir(), QUANTIZED));
  assert.ok(quantized.includes('MatMulInteger') && quantized.includes('DynamicQuantizeLinear') && quantized.includes('ConvInteger'));
  assert.ok(quantized.length < fp32.length / 2, `${quantized.length} bytes against ${fp32.length}`);
  const card = JSON.parse(readFileSync(await quantizedPair(tempDir(t)), 'utf8'));
  assert.equal(card.family, 'sam');
  assert.equal(card.name, 'sam_q');
  assert.deepEqual(card.decoder.inputs, SAM_DECODER_NAMES.inputs);
  assert.deepEqual(card.decoder.outputs, SAM_DECODER_NAMES.outputs);
  assert.deepEqual(card.embeddings, { image_embeddings: 'image_embeddings' });
});

test('a quantized decoder loads from its card, takes the low-res path after its first prompt, and answers alike on WASM; masks near fp32', async (t) => {
  const model = await loadNativePromptable(await quantizedPair(tempDir(t)), 1);
  const web = await openDecoderSession(model.decoderFile.bytes, 'masks', wasmSession);
  const fp32 = await openDecoderSession(new Uint8Array(readFileSync(join(await samDecoderDir(), 'sam_bench.decoder.onnx'))), 'masks', (b) =>
    createNativeSession(b, 1),
  );
  try {
    const [w, h] = [517, 301];
    const e = randomEmbeddings(w, h);
    const clicks = [
      { x: w * 0.3, y: h * 0.4, positive: true },
      { x: w * 0.7, y: h * 0.6, positive: false },
      { x: w * 0.5, y: h * 0.2, positive: true },
    ];
    const first = { points: clicks.slice(0, 2) };
    const next = { points: clicks };
    const answers = [];
    for (const decoder of [model.decoder, web, fp32]) {
      const a = await decodePrompt(model.card, decoder, e, first, undefined, 'test');
      const b = await decodePrompt(model.card, decoder, e, next, a.candidates[0].lowRes, 'test');
      assert.deepEqual([a.masksFrom, b.masksFrom], ['decoder', 'lowRes'], decoder.provider);
      answers.push(b);
    }
    const [native, wasm, float] = answers;
    // Not bit for bit: the engines' integer kernels round the dynamic activation quantization a little differently.
    for (const [k, c] of native.candidates.entries()) {
      const same = iou(c.mask, wasm.candidates[k].mask);
      t.diagnostic(`candidate ${k}: score ${c.score.toFixed(5)} native, ${wasm.candidates[k].score.toFixed(5)} WASM; IoU ${same.toFixed(4)}`);
      assert.ok(Math.abs(c.score - wasm.candidates[k].score) < 1e-2, `candidate ${k}: ${c.score} native, ${wasm.candidates[k].score} WASM`);
      assert.ok(same > 0.99, `candidate ${k}: IoU ${same} between native and WASM`);
    }
    const quality = iou(native.candidates[0].mask, float.candidates[0].mask);
    t.diagnostic(`IoU of the quantized decoder's mask with the fp32 decoder's: ${quality.toFixed(4)}`);
    assert.ok(quality > 0.9, `IoU ${quality}`);
  } finally {
    await Promise.all([web.release(), fp32.release(), releasePromptableModel(model)]);
  }
});
