/**
 * A quantized SAM decoder (SAM's export script's --quantize-out, here scripts/models/quantize_dynamic.py
 * over the SAM-architecture decoder with random weights) in the built webview (headless Chromium,
 * production CSP, onnxruntime-web WASM): two clicks preview its best candidate of four (the second
 * through the low-resolution path) and Enter commits what native ONNX Runtime answers for the same
 * prompts, up to the engines' integer rounding.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openDecoderSession } from '../../src/core/model/promptable/decoderSession';
import { decodePrompt } from '../../src/core/model/promptable/predictor';
import type { Embeddings } from '../../src/core/model/promptable/selection';
import { createNativeSession } from '../../src/node/promptableSessions';
import { uniformImage } from '../model/promptable/fixtures';
import { randomEmbeddings, samBenchCard } from '../model/promptable/samDecoder';
import { samQuantizedDecoderDir } from '../model/testModels';
import { openSamHarness, pagePoint, startSamSelect, takeOneEdit, type Harness } from './harness';

const [W, H] = [517, 301];
const card = samBenchCard('sam-quantized', 'sam_bench.decoder.quant.onnx');
const CLICKS: Array<[number, number]> = [
  [150, 120],
  [300, 200],
];

let h: Harness;
let decoder: Uint8Array;
let embeddings: Embeddings;
let box: { x: number; y: number; width: number; height: number };

/** The centre of image pixel (x, y) on the page: the editor floors it back to (x, y). */
function at(x: number, y: number): [number, number] {
  return pagePoint(box, W, H, x, y);
}

before(async () => {
  decoder = readFileSync(join(await samQuantizedDecoderDir(), card.decoder.file));
  embeddings = randomEmbeddings(W, H, 12345);
  h = await openSamHarness(uniformImage(W, H), decoder, embeddings.tensors.image_embeddings.data);
  box = (await h.page.locator('#mask-canvas').boundingBox())!;
});

after(async () => {
  await h?.close();
});

test("a quantized SAM decoder in the webview: clicks preview its best of four candidates and Enter commits native ONNX Runtime's answer", async (t) => {
  const { page } = h;
  await startSamSelect(page, { card, cardPath: '/models/sam-quantized.json', decoder, width: W, height: H });
  await page.locator('#status', { hasText: 'Smart Select with sam-quantized' }).waitFor({ timeout: 60_000 });
  for (const [i, [x, y]] of CLICKS.entries()) {
    await page.mouse.click(...at(x, y));
    await page.locator('#status', { hasText: `Smart Select: ${i + 1} prompt(s), candidate 1 of 4` }).waitFor({ timeout: 60_000 });
  }
  await page.keyboard.press('Enter');
  const { mask } = await takeOneEdit(page, W, H);

  const native = await openDecoderSession(decoder, 'masks', (b) => createNativeSession(b, 1));
  try {
    const points = CLICKS.map(([x, y]) => ({ x, y, positive: true }));
    const first = await decodePrompt(card, native, embeddings, { points: points.slice(0, 1) }, undefined, 'test');
    const second = await decodePrompt(card, native, embeddings, { points }, first.candidates[0].lowRes, 'test');
    assert.equal(second.masksFrom, 'lowRes');
    const want = second.candidates[0].mask;
    let both = 0;
    let either = 0;
    for (let i = 0; i < want.length; i++) {
      both += want[i] & mask[i];
      either += want[i] | mask[i];
    }
    t.diagnostic(`IoU of the committed mask with native ONNX Runtime's: ${(both / either).toFixed(4)} (${both} pixels in both)`);
    assert.ok(both > 0 && both / either > 0.99, `IoU ${both / either}`);
  } finally {
    await native.release();
  }
});
