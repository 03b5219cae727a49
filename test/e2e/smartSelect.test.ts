// Scenario: Smart Select in the mask editor with the known-answer promptable pair
// (scripts/models/build_promptable_models.py, the decoder's candidates are discs around the positive
// points minus discs around the negative ones). On an unlabeled demo image: S without a promptable
// model (the demo's click model set aside) says what to do; with the pair in models/ and chosen in Select Model's Smart Select section,
// S computes the embedding in the host, two positive clicks and a right-click negative each show a
// preview (decoded in the webview, WASM), Tab shows the next candidate, Enter commits it as one edit,
// Ctrl+Z removes it; with protect mode on "unlabeled pixels only" the committed selection leaves
// an earlier brush stroke alone, and Ctrl+S writes exactly the known answer. Prompt-to-preview times
// (from the status line) are printed.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { expectedMask, RADII, samTestCard, type Pt } from '../model/promptable/fixtures';
import { artifactsRoot, TIMEOUT, withWorkbench } from './harness';
import { openInMaskEditor, pickClass, pixelToPage, readDemoMask, strokeThrough, waitDirty, waitForCounts, type MaskEditor } from './maskEditor';
import { press, selectModel } from './workbench';

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

test('Smart Select: points and a negative click preview the known answer, Tab, Enter commits one edit, Ctrl+Z removes it, protect mode holds, save writes it', async () => {
  await withWorkbench('smartSelect', async ({ page, dataset }) => {
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
  });
});
