// Scenario 4: open an unlabeled demo image in the mask editor, select a demo model and run
// "SegLab: Pre-label Image" from the command palette: predicted pixels appear as one edit (the
// class counts leave all-background), Ctrl+Z removes them, and no mask file is written.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { artifactsRoot, TIMEOUT, withWorkbench } from './harness';
import { waitDirty, waitForEditor, type MaskEditor } from './maskEditor';
import { press, runCommand } from './workbench';

const SIZE = 512;
const MODEL = 'demo-unet';

/** Pixel count per class id, as the editor's palette shows them. */
async function classCounts(editor: MaskEditor): Promise<Map<number, number>> {
  const rows = await editor.frame.locator('#class-list li').evaluateAll((lis) =>
    lis.map((li) => [Number(li.getAttribute('data-class')), Number((li.querySelector('.count')?.textContent ?? '').replace(/\D/g, ''))] as const),
  );
  return new Map(rows);
}

async function waitForCounts(editor: MaskEditor, ok: (counts: Map<number, number>) => boolean, what: string): Promise<Map<number, number>> {
  const deadline = Date.now() + TIMEOUT.ui;
  while (true) {
    const counts = await classCounts(editor);
    if (ok(counts)) return counts;
    if (Date.now() > deadline) throw new Error(`${what}: class counts are ${JSON.stringify([...counts])}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Quick Open on the image, then "SegLab: Open in Mask Editor" on the active image. */
async function openInMaskEditor(page: Page, imageName: string): Promise<MaskEditor> {
  await page.keyboard.press('Control+p');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(imageName);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: imageName }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: imageName }).waitFor({ timeout: TIMEOUT.workbench });
  await runCommand(page, 'SegLab: Open in Mask Editor');
  return waitForEditor(page, imageName, SIZE);
}

/** "SegLab: Select Model", then the model's row in the quick pick that follows. */
async function selectModel(page: Page, name: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.fill('>SegLab: Select Model');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'SegLab: Select Model' }).first().waitFor();
  await page.keyboard.press('Enter');
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first();
  await row.waitFor({ timeout: TIMEOUT.workbench });
  await input.fill(name);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  await page.locator('.statusbar-item', { hasText: name }).first().waitFor();
}

test('Pre-label Image applies the prediction as one undoable edit and writes nothing', async () => {
  await withWorkbench('prelabelImage', async ({ page, dataset }) => {
    const stem = dataset.unlabeled[0];
    const maskFile = join(dataset.root, 'masks', `${stem}.png`);
    const editor = await openInMaskEditor(page, `${stem}.jpg`);
    const before = await waitForCounts(editor, (c) => c.get(0) === SIZE * SIZE, 'an unlabeled image is all background');

    await selectModel(page, MODEL);
    await runCommand(page, 'SegLab: Pre-label Image');
    await editor.frame.locator('#status', { hasText: 'Pre-labeled with' }).waitFor({ timeout: TIMEOUT.workbench });
    const after = await waitForCounts(editor, (c) => (c.get(0) ?? 0) < SIZE * SIZE, 'the prediction labels some pixels');
    const labeled = SIZE * SIZE - (after.get(0) ?? 0);
    assert.ok(labeled > 1000, `the prediction labeled ${labeled} pixels`);
    await waitDirty(page, true);
    const slider = editor.frame.locator('#uncertain-below');
    await slider.waitFor(); // the confidence overlay is shown, with its threshold slider
    await page.screenshot({ path: join(artifactsRoot, 'screenshots', 'prelabel-image.png') });
    await editor.canvas.focus();
    await press(page, 'c');
    await slider.waitFor({ state: 'hidden' });

    await page.locator('.tabs-container .tab.active').click();
    await press(page, 'Control+z');
    await waitForCounts(editor, (c) => c.get(0) === before.get(0), 'undo restores all background');
    await waitDirty(page, false);
    assert.ok(!existsSync(maskFile), `nothing was written to ${maskFile}`);
  });
});
