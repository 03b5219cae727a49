/**
 * Smart Select on a 4096x4096 image in the built webview (headless Chromium, production CSP, the
 * decoder on onnxruntime-web WASM): prompts are image pixels (x = column, y = row) whatever the
 * view's scale (here about 0.16), and the committed mask is the known-answer pair's at the image's
 * full size, so a scaling, rounding or padding mistake at this size fails here. The host's part
 * (the known-answer encoder on native ONNX Runtime) is played as in smartSelect.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { releasePromptableModel, type PromptableModel } from '../../src/core/model/promptable/load';
import { encodeImage } from '../../src/core/model/promptable/predictor';
import { loadNativePromptable } from '../../src/node/promptableSessions';
import { expectedMask, mismatches, RADII, samTestCard, uniformImage, type Pt } from '../model/promptable/fixtures';
import { openSamHarness, startSamSelect, takeOneEdit, type Harness } from './harness';

const SIDE = 4096;

let h: Harness;
let model: PromptableModel;
let decoder: Uint8Array;
let dir: string;

before(async () => {
  const start = performance.now();
  dir = mkdtempSync(join(tmpdir(), 'seglab-smart-select-4096-'));
  const cardPath = await samTestCard(dir);
  model = await loadNativePromptable(cardPath, 1);
  decoder = readFileSync(join(dirname(cardPath), 'sam_test.decoder.onnx'));
  const image = uniformImage(SIDE, SIDE);
  const embeddings = await encodeImage(model.card, model.encoder, image);
  h = await openSamHarness(image, decoder, embeddings.tensors.image_embeddings.data);
  console.log(`# 4096x4096: set up (PNG, host encoder, editor open) in ${Math.round(performance.now() - start)} ms`);
});

after(async () => {
  await h?.close();
  if (model) await releasePromptableModel(model);
  rmSync(dir, { recursive: true, force: true });
});

/**
 * A whole page pixel near image point (x, y) and the image pixel the editor takes a click there for:
 * the fitted view (viewport.ts: centred, scale = min(view / image) of the canvas's client size),
 * floored as the editor floors a click. The test computes the prompt from the pixel it clicks
 * rather than assume the click hit (x, y): at this scale a page pixel spans about six image pixels.
 */
async function pixelNear(x: number, y: number): Promise<{ page: [number, number]; image: [number, number] }> {
  const view = await h.page.evaluate(() => {
    const canvas = document.querySelector('#mask-canvas') as HTMLCanvasElement;
    const r = canvas.getBoundingClientRect();
    return { left: r.left, top: r.top, width: canvas.clientWidth, height: canvas.clientHeight };
  });
  const scale = Math.min(view.width / SIDE, view.height / SIDE);
  const left = view.left + (view.width - SIDE * scale) / 2;
  const top = view.top + (view.height - SIDE * scale) / 2;
  const page: [number, number] = [Math.round(left + (x + 0.5) * scale), Math.round(top + (y + 0.5) * scale)];
  return { page, image: [Math.floor((page[0] - left) / scale), Math.floor((page[1] - top) / scale)] };
}

test('Smart Select on a 4096x4096 image: clicks in image pixels, the known answer committed at full size', async () => {
  const { page } = h;
  await startSamSelect(page, { card: model.card, cardPath: '/models/sam_test.json', decoder, width: SIDE, height: SIDE });
  await page.locator('#status', { hasText: 'Smart Select with sam-test' }).waitFor({ timeout: 60_000 });
  // Near the far corner (the padding of a wrong frame would show there) and a negative point cutting the first disc.
  const clicks: Array<[number, number, 0 | 1]> = [
    [3900, 3700, 1],
    [700, 1200, 1],
    [760, 1300, 0],
  ];
  const points: Pt[] = [];
  const started = performance.now();
  for (const [i, [x, y, label]] of clicks.entries()) {
    const { page: at, image } = await pixelNear(x, y);
    points.push([image[0], image[1], label]);
    await page.mouse.click(...at, { button: label === 1 ? 'left' : 'right' });
    await page.locator('#status', { hasText: `Smart Select: ${i + 1} prompt(s), candidate 1 of 3` }).waitFor({ timeout: 60_000 });
  }
  const prompted = performance.now();
  await page.keyboard.press('Enter');
  const { label, mask } = await takeOneEdit(page, SIDE, SIDE);
  const committed = performance.now();
  assert.equal(label, 'Smart Select');
  const expected = expectedMask(SIDE, SIDE, points, RADII[1]);
  assert.equal(mismatches(mask, expected), 0, `prompts at ${points.map((p) => p.join(',')).join(' ')}`);
  console.log(
    `# 4096x4096: ${clicks.length} prompts in ${Math.round(prompted - started)} ms, commit ${Math.round(committed - prompted)} ms, check ${Math.round(performance.now() - committed)} ms`,
  );
  // Radius 20 in the 1024 frame is 80 image pixels: the far disc is whole, the near one cut by the negative point.
  const far = mask.slice(3700 * SIDE + 3850, 3700 * SIDE + 3950);
  assert.ok(
    far.every((v) => v === 1),
    'the disc round the far click is painted',
  );
  assert.ok(mask.reduce((a, b) => a + b, 0) > 30_000);
});
