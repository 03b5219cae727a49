// Scenarios: Smart Select in the mask editor, in one workbench.
//
// The known-answer promptable pair (scripts/models/build_promptable_models.py, the decoder's candidates are discs
// around the positive points minus discs around the negative ones). On an unlabeled demo image: S without a promptable
// model (the demo's click model set aside) says what to do; with the pair in models/ and chosen in Select Model's Smart Select section,
// S computes the embedding in the host, two positive clicks and a right-click negative each show a
// preview (decoded in the webview, WASM), Tab shows the next candidate, Enter commits it as one edit,
// Ctrl+Z removes it; with protect mode on "unlabeled pixels only" the committed selection leaves
// an earlier brush stroke alone, and Ctrl+S writes exactly the known answer.
//
// The demo's click model (demo-clicks, no encoder: the webview runs it on the image it shows). Chosen in Select Model,
// on another unlabeled demo image, one click at a cell body's interior-most pixel (the NoC protocol's first click,
// from the generator's ground truth) previews a selection that Enter commits; saved, it is native ONNX Runtime's
// answer for the same click and overlaps the generator's cell; Ctrl+Z gives back the empty mask.
//
// Prompt-to-preview times (from the status line) are printed.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { MARKER_FILE, type DemoSummary } from '../../scripts/demo/generate';
import { IGNORE } from '../../scripts/demo/scene';
import { demoScene } from '../../scripts/demo/worker';
import { nextClick, type Click } from '../../src/core/interactive/clickRobot';
import { maskIou } from '../../src/core/interactive/noc';
import { findTargets, validPixels, type Target } from '../../src/core/interactive/targets';
import { decodeImage } from '../../src/core/model/image';
import { parsePromptableCard, type ClicksCard } from '../../src/core/model/promptable/card';
import { cropBox } from '../../src/core/model/promptable/clicks';
import { decodePrompt, encodeImage } from '../../src/core/model/promptable/predictor';
import { loadNativePromptable } from '../../src/node/promptableSessions';
import { expectedMask, RADII, samTestCard, type Pt } from '../model/promptable/fixtures';
import { artifactsRoot, TIMEOUT, withWorkbench, type Workbench } from './harness';
import { openInMaskEditor, pickClass, pixelToPage, readDemoMask, strokeThrough, waitDirty, waitForCounts, type MaskEditor } from './maskEditor';
import { press, runCommand, selectModel } from './workbench';

const SIZE = 512;
const [NUCLEUS, DEBRIS] = [2, 3];
/** Two positive clicks and a negative one beside the second, in image pixels (x = column, y = row). */
const POINTS: Pt[] = [
  [150, 250, 1],
  [215, 262, 1],
  [240, 262, 0],
];
/** The decoder's candidates by score: radius 20, 80, 40 (frame units; the 512 image is 1024/512 = 2 frame units a pixel). */
const SECOND_CANDIDATE_RADIUS = RADII[2];

const status = (editor: MaskEditor) => editor.frame.locator('#status');

/** Gives the prompts one at a time, waiting for each preview; returns each prompt-to-preview time. */
async function prompt(page: Page, editor: MaskEditor): Promise<number[]> {
  const times: number[] = [];
  for (const [i, [x, y, label]] of POINTS.entries()) {
    await page.mouse.click(...(await pixelToPage(editor, x, y)), { button: label === 1 ? 'left' : 'right' });
    const line = status(editor).filter({ hasText: `Smart Select: ${i + 1} prompt(s), candidate 1 of 3` });
    await line.waitFor();
    times.push(Number(/, (\d+) ms from prompt to preview/.exec((await line.textContent()) ?? '')?.[1]));
  }
  await press(page, 'Tab');
  await status(editor).filter({ hasText: 'candidate 2 of 3' }).waitFor();
  return times;
}

/**
 * The known-answer pair: points and a negative click preview the known answer, Tab, Enter commits one edit, Ctrl+Z
 * removes it, protect mode holds, save writes it.
 */
async function knownAnswerPair({ page, dataset }: Workbench): Promise<void> {
  const stem = dataset.unlabeled[0];
  const editor = await openInMaskEditor(page, `${stem}.jpg`, SIZE);
  await waitForCounts(editor, (c) => c.get(0) === SIZE * SIZE, 'an unlabeled image is all background');

  // The demo's own promptable cards (its click model) set aside: S says what to do without one.
  const models = join(dataset.root, 'models');
  mkdirSync(models, { recursive: true });
  const demoCards = readdirSync(models).filter((f) => f.endsWith('.json') && JSON.parse(readFileSync(join(models, f), 'utf8')).kind === 'promptable');
  for (const f of demoCards) renameSync(join(models, f), join(models, `${f}.off`));
  await editor.canvas.focus();
  await press(page, 's');
  await status(editor).filter({ hasText: 'no Smart Select model' }).waitFor({ timeout: TIMEOUT.workbench });
  for (const f of demoCards) renameSync(join(models, `${f}.off`), join(models, f));

  await samTestCard(models);
  await selectModel(page, 'sam-test');

  // An earlier label the selection will cover: a nucleus stroke through the first point's disc.
  await editor.canvas.focus();
  await press(page, 'b');
  await pickClass(editor, 'nucleus');
  await strokeThrough(page, editor, [
    [120, 250],
    [160, 250],
  ]);
  await waitDirty(page, true);
  const stroked = await waitForCounts(editor, (c) => (c.get(NUCLEUS) ?? 0) > 0, 'the stroke is painted');

  await pickClass(editor, 'debris');
  await editor.canvas.focus();
  await press(page, 's');
  await status(editor).filter({ hasText: 'Smart Select with sam-test' }).waitFor({ timeout: TIMEOUT.workbench });
  const times = await prompt(page, editor);
  mkdirSync(join(artifactsRoot, 'screenshots'), { recursive: true });
  await page.screenshot({ path: join(artifactsRoot, 'screenshots', 'smart-select.png') });
  await press(page, 'Enter');
  const committed = await waitForCounts(editor, (c) => (c.get(DEBRIS) ?? 0) > 0, 'Enter commits the selection');
  assert.ok((committed.get(NUCLEUS) ?? 0) < stroked.get(NUCLEUS)!, 'protect mode off: the selection paints over the stroke too');

  await page.locator('.tabs-container .tab.active').click();
  await press(page, 'Control+z');
  await waitForCounts(editor, (c) => !c.get(DEBRIS) && c.get(NUCLEUS) === stroked.get(NUCLEUS), 'Ctrl+Z removes the whole selection, not the stroke');

  // Protect: paint over unlabeled pixels only.
  await editor.frame.locator('vscode-single-select[aria-label="Protect: paint over"]').evaluate((el: HTMLElement & { value: string }) => {
    el.value = '0';
    el.dispatchEvent(new Event('change'));
  });
  await editor.canvas.focus();
  times.push(...(await prompt(page, editor)));
  await press(page, 'Enter');
  await waitForCounts(editor, (c) => (c.get(DEBRIS) ?? 0) > 0 && c.get(NUCLEUS) === stroked.get(NUCLEUS), 'the selection leaves the stroke alone');
  await page.locator('.tabs-container .tab.active').click();
  await press(page, 'Control+s');
  await waitDirty(page, false);

  const saved = readDemoMask(dataset.root, stem);
  const expected = expectedMask(SIZE, SIZE, POINTS, SECOND_CANDIDATE_RADIUS);
  let selected = 0;
  let protectedPixels = 0;
  for (let i = 0; i < saved.data.length; i++) {
    const v = saved.data[i];
    const where = `pixel (${i % SIZE}, ${Math.floor(i / SIZE)})`;
    if (v === NUCLEUS) {
      if (expected.mask[i]) protectedPixels++;
      continue;
    }
    if (expected.uncertain[i]) continue;
    assert.equal(v, expected.mask[i] ? DEBRIS : 0, `${where}: ${expected.mask[i] ? 'in' : 'outside'} the known answer`);
    if (v === DEBRIS) selected++;
  }
  assert.equal(saved.data.filter((v) => v === NUCLEUS).length, stroked.get(NUCLEUS), 'the stroke is saved as painted');
  assert.ok(protectedPixels > 100, `the stroke lies inside the selection (${protectedPixels} pixels) and kept its class`);
  assert.ok(selected > 5000, `${selected} pixels selected`);
  console.log(`[e2e] smartSelect: prompt-to-preview ms (webview WASM, known-answer decoder, ${SIZE}x${SIZE}): ${times.join(', ')}`);
}

const CELL_BODY = 1;
/**
 * The demo click model's one-click IoU with the generator's cell body: measured 0.795 in code-server for this image and
 * click (cell_009, a 1,341-pixel cell; 0.730 with the model before; the same with its card's respectClicks). The model is
 * weak (NoC@85 5.08 on the demo val split, scripts/demo/models/README.md), so the bound says "mostly that cell", and the
 * host comparison below says "the model's answer".
 */
const MIN_TRUTH_IOU = 0.6;
/** The webview's answer against native ONNX Runtime's for the same click: the same model on the JPEG decoded by Chromium and by the host. */
const MIN_HOST_IOU = 0.95;

interface ChosenCell {
  target: Target;
  click: Click;
  valid: Uint8Array;
}

/**
 * The cell one click is for, from the generator's ground truth of `stem`: the largest cell body lying wholly inside
 * the crop the model sees for a single click (the card's crop rule; a larger cell needs more clicks), clicked where
 * the NoC protocol clicks first: its pixel farthest from its boundary (the core distance transform).
 */
function chooseCell(dataset: DemoSummary, stem: string, card: ClicksCard): ChosenCell {
  const { seed, size } = JSON.parse(readFileSync(join(dataset.root, MARKER_FILE), 'utf8')) as { seed: number; size: number };
  const truth = { width: size, height: size, data: demoScene(seed, dataset.stems.indexOf(stem), size, false).mask };
  const valid = validPixels(truth, IGNORE);
  const cells = findTargets(truth, IGNORE)
    .filter((t) => t.classId === CELL_BODY)
    .map((target) => ({ target, click: nextClick(target.mask, new Uint8Array(target.mask.length), valid, size, size)!, valid }))
    .filter(({ target, click }) => {
      const box = cropBox([click], undefined, size, card.crop);
      return target.mask.every(
        (v, i) => !v || (i % size >= box.left && i % size < box.left + box.side && i >= box.top * size && i < (box.top + box.side) * size),
      );
    })
    .sort((a, b) => b.target.area - a.target.area);
  if (cells.length === 0) throw new Error(`${stem}: no cell body fits one click's crop of ${card.crop.minSide} pixels`);
  return cells[0];
}

/** Native ONNX Runtime's selection for one click, as `seglab click` computes it. */
async function hostSelection(cardPath: string, imagePath: string, click: Click): Promise<Uint8Array> {
  const model = await loadNativePromptable(cardPath, 1);
  try {
    const image = await decodeImage(readFileSync(imagePath), imagePath);
    const embeddings = await encodeImage(model.card, model.encoder, image);
    return (await decodePrompt(model.card, model.decoder, embeddings, { points: [click] }, undefined, 'host reference')).candidates[0].mask;
  } finally {
    await model.decoder.release();
  }
}

/** The demo click model: chosen in Select Model, one click selects a cell, Enter commits it, Ctrl+Z gives back the empty mask. */
async function demoClickModel({ page, dataset }: Workbench): Promise<void> {
  const stem = dataset.unlabeled[1];
  const cardPath = join(dataset.root, 'models', 'demo-clicks.json');
  const card = parsePromptableCard(readFileSync(cardPath, 'utf8'), cardPath);
  if (card.family !== 'clicks') throw new Error(`${cardPath}: family ${card.family}, not the click model this scenario is about`);
  const { target, click, valid } = chooseCell(dataset, stem, card);
  const host = await hostSelection(cardPath, join(dataset.root, 'images', `${stem}.jpg`), click);

  await selectModel(page, 'demo-clicks');
  const editor = await openInMaskEditor(page, `${stem}.jpg`, SIZE);
  await waitForCounts(editor, (c) => c.get(0) === SIZE * SIZE, 'an unlabeled image is all background');
  await pickClass(editor, 'cell body');
  await editor.canvas.focus();
  await press(page, 's');
  await status(editor).filter({ hasText: 'Smart Select with demo-clicks' }).waitFor({ timeout: TIMEOUT.workbench });
  await page.mouse.click(...(await pixelToPage(editor, click.x, click.y)));
  const line = status(editor).filter({ hasText: 'Smart Select: 1 prompt(s), candidate 1 of' });
  await line.waitFor();
  const ms = /, (\d+) ms from prompt to preview/.exec((await line.textContent()) ?? '')?.[1];
  await press(page, 'Enter');
  const committed = await waitForCounts(editor, (c) => (c.get(CELL_BODY) ?? 0) > 0, 'Enter commits the selection');
  await waitDirty(page, true);
  await page.locator('.tabs-container .tab.active').click();
  await press(page, 'Control+s');
  await waitDirty(page, false);

  const saved = readDemoMask(dataset.root, stem);
  assert.ok(
    saved.data.every((v) => v === 0 || v === CELL_BODY),
    'only the current class is painted',
  );
  const selected = Uint8Array.from(saved.data, (v) => (v === CELL_BODY ? 1 : 0));
  assert.equal(
    selected.reduce((n, v) => n + v, 0),
    committed.get(CELL_BODY),
    'the saved selection is the one the editor showed',
  );
  const hostIou = maskIou(selected, host, valid);
  const truthIou = maskIou(selected, target.mask, valid);
  console.log(
    `[e2e] smartSelect: demo-clicks, one click at (${click.x}, ${click.y}) of ${stem}'s ${target.area}-pixel cell body: ` +
      `IoU ${truthIou.toFixed(3)} with the ground truth, ${hostIou.toFixed(3)} with native ONNX Runtime's answer; ${ms} ms from prompt to preview (webview WASM)`,
  );
  assert.ok(hostIou >= MIN_HOST_IOU, `IoU with native ONNX Runtime's answer ${hostIou.toFixed(3)} >= ${MIN_HOST_IOU}`);
  assert.ok(truthIou > MIN_TRUTH_IOU, `IoU with the ground truth ${truthIou.toFixed(3)} > ${MIN_TRUTH_IOU}`);

  await page.locator('.tabs-container .tab.active').click();
  await press(page, 'Control+z');
  await waitForCounts(editor, (c) => c.get(0) === SIZE * SIZE, 'Ctrl+Z removes the selection');
  await waitDirty(page, true);
  await press(page, 'Control+s');
  await waitDirty(page, false);
  assert.ok(
    readDemoMask(dataset.root, stem).data.every((v) => v === 0),
    'saved after the undo, the mask is all background again',
  );
}

test('Smart Select: the known-answer pair (points, Tab, Enter, Ctrl+Z, protect mode, save), then the demo click model (one click selects a cell, commit, undo)', async () => {
  await withWorkbench('smartSelect', async (wb) => {
    const started = performance.now();
    await knownAnswerPair(wb);
    // Each mask editor keeps its webview while hidden: one open editor, so the next scenario finds its own.
    await runCommand(wb.page, 'View: Close All Editors');
    const half = performance.now();
    await demoClickModel(wb);
    const seconds = (ms: number) => (ms / 1000).toFixed(1);
    console.log(`[e2e] smartSelect: known-answer pair ${seconds(half - started)} s, demo click model ${seconds(performance.now() - half)} s`);
  });
});
