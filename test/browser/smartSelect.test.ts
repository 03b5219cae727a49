/**
 * The Smart Select tool in the built webview (headless Chromium, production CSP): the host's part
 * is played here with the same core code the extension host runs (the known-answer pair's encoder
 * on native ONNX Runtime), the decoder runs in the page on onnxruntime-web WASM. On a non-square
 * image of odd size, two clicks and a negative right-click commit exactly the known answer as one
 * edit, so a coordinate, scaling or padding mistake in the webview path fails here.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { releasePromptableModel, type PromptableModel } from '../../src/core/model/promptable/load';
import { encodeImage } from '../../src/core/model/promptable/predictor';
import { loadNativePromptable } from '../../src/node/promptableSessions';
import { COLOR, expectedMask, mismatches, RADII, samTestCard, uniformImage, type Pt } from '../model/promptable/fixtures';
import { openSamHarness, pagePoint, startSamSelect, takeOneEdit, takePosted, type Harness } from './harness';

const [W, H] = [613, 347];
const POINTS: Pt[] = [
  [100, 80, 1],
  [430, 250, 1],
  [445, 262, 0],
];

let h: Harness;
let model: PromptableModel;
let decoder: Uint8Array;
let dir: string;
let box: { x: number; y: number; width: number; height: number };

function at(x: number, y: number): [number, number] {
  return pagePoint(box, W, H, x, y);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'seglab-smart-select-'));
  const cardPath = await samTestCard(dir);
  model = await loadNativePromptable(cardPath, 1);
  decoder = readFileSync(join(dirname(cardPath), 'sam_test.decoder.onnx'));
  const embeddings = await encodeImage(model.card, model.encoder, uniformImage(W, H));
  h = await openSamHarness(uniformImage(W, H), decoder, embeddings.tensors.image_embeddings.data);
  box = (await h.page.locator('#mask-canvas').boundingBox())!;
});

after(async () => {
  await h?.close();
  if (model) await releasePromptableModel(model);
  rmSync(dir, { recursive: true, force: true });
});

test('Smart Select in the webview: S asks the host, the WASM decoder previews, Enter commits the known answer on a 613x347 image', async () => {
  const { page } = h;
  await startSamSelect(page, { card: model.card, cardPath: '/models/sam_test.json', decoder, width: W, height: H });
  await page.locator('#status', { hasText: 'Smart Select with sam-test' }).waitFor();
  const times: number[] = [];
  for (const [i, [x, y, label]] of POINTS.entries()) {
    await page.mouse.click(...at(x, y), { button: label === 1 ? 'left' : 'right' });
    const line = page.locator('#status', { hasText: `Smart Select: ${i + 1} prompt(s), candidate 1 of 3` });
    await line.waitFor();
    times.push(Number(/, (\d+) ms from prompt to preview/.exec((await line.textContent()) ?? '')?.[1]));
  }
  assert.equal((await takePosted(page)).filter((m) => m.type === 'edit').length, 0, 'prompts edit nothing before Enter');
  await page.keyboard.press('Enter');
  const { label, mask } = await takeOneEdit(page, W, H);
  assert.equal(label, 'Smart Select');
  const painted = mask.map((v) => (v === 1 ? 1 : 0));
  assert.ok(
    mask.every((v) => v === 0 || v === 1),
    'painted with the current class (1)',
  );
  // The best-scored candidate is the decoder's radius-20 one (frame units).
  const expected = expectedMask(W, H, POINTS, RADII[1]);
  assert.equal(mismatches(painted, expected), 0);
  assert.ok(painted.reduce((a, b) => a + b, 0) > 500);
  assert.match((await page.textContent('#status')) ?? '', /Smart Select with sam-test/, 'Enter ends the selection');
  console.log(`# webview WASM decoder, known-answer pair, ${W}x${H}, colour ${COLOR.join(',')}: prompt-to-preview ${times.join(', ')} ms`);
});

test('Smart Select keys: Esc discards, Backspace removes the last prompt, a double-click commits what the prompts before it and its first click select', async () => {
  const { page } = h;
  const status = () => page.locator('#status');
  await page.mouse.click(...at(300, 60));
  await status().filter({ hasText: 'Smart Select: 1 prompt(s), candidate 1 of 3' }).waitFor();
  await page.keyboard.press('Escape');
  await status().filter({ hasText: 'Smart Select with sam-test' }).waitFor();

  const a: Pt = [540, 60, 1];
  const c: Pt = [560, 90, 1];
  await page.mouse.click(...at(a[0], a[1]));
  await status().filter({ hasText: 'Smart Select: 1 prompt(s)' }).waitFor();
  await page.mouse.click(...at(300, 300));
  await status().filter({ hasText: 'Smart Select: 2 prompt(s)' }).waitFor();
  await page.keyboard.press('Backspace');
  await status().filter({ hasText: 'Smart Select: 1 prompt(s), candidate 1 of 3' }).waitFor();
  await page.keyboard.press('Tab');
  await status().filter({ hasText: 'candidate 2 of 3' }).waitFor();
  assert.equal((await takePosted(page)).filter((m) => m.type === 'edit').length, 0, 'Esc, Backspace and Tab edit nothing');

  await page.mouse.dblclick(...at(c[0], c[1]));
  const { mask } = await takeOneEdit(page, W, H);
  assert.equal(mismatches(mask, expectedMask(W, H, [a, c], RADII[1])), 0, 'the points a and c, not the removed one');
});

/** Commits the current selection with Enter and returns the painted class-1 pixels. */
async function commitWithEnter(): Promise<Uint8Array> {
  await h.page.keyboard.press('Enter');
  return (await takeOneEdit(h.page, W, H)).mask;
}

test('Smart Select box: a drag draws a box prompt (corners 2/3) and Enter commits the decoder box answer', async () => {
  const { page } = h;
  const [x0, y0, x1, y1] = [150, 90, 380, 260];
  await page.mouse.move(...at(x0, y0));
  await page.mouse.down();
  await page.mouse.move(...at((x0 + x1) / 2, (y0 + y1) / 2), { steps: 4 });
  await page.mouse.move(...at(x1, y1), { steps: 4 });
  await page.mouse.up();
  await page.locator('#status', { hasText: 'Smart Select: 1 prompt(s), candidate 1 of 3' }).waitFor();
  const painted = await commitWithEnter();
  // With only a box every candidate's logit is the inside-box margin.
  const expected = expectedMask(W, H, [], RADII[1], [x0, y0, x1, y1]);
  assert.equal(mismatches(painted, expected), 0);
  assert.ok(painted.reduce((a, b) => a + b, 0) > 0.9 * (x1 - x0) * (y1 - y0), 'the box is filled');
});

test('Smart Select Alt+click: a negative point, the same answer as a right click', async () => {
  const { page } = h;
  // Away from the pixels the earlier tests painted, so the commit changes them.
  const pos: Pt = [250, 310, 1];
  const neg: Pt = [258, 316, 0];
  await page.mouse.click(...at(pos[0], pos[1]));
  await page.locator('#status', { hasText: 'Smart Select: 1 prompt(s)' }).waitFor();
  await page.keyboard.down('Alt');
  await page.mouse.click(...at(neg[0], neg[1]));
  await page.keyboard.up('Alt');
  await page.locator('#status', { hasText: 'Smart Select: 2 prompt(s), candidate 1 of 3' }).waitFor();
  const painted = await commitWithEnter();
  assert.equal(mismatches(painted, expectedMask(W, H, [pos, neg], RADII[1])), 0, 'Alt+click removes like a right click');
  assert.notEqual(mismatches(painted, expectedMask(W, H, [pos], RADII[1])), 0, 'the Alt+click was not a positive point');
});
