// Scenario 4: open an unlabeled demo image in the mask editor, select a demo model and run
// "SegLab: Pre-label Image" from the command palette: predicted pixels appear as one edit (the
// class counts leave all-background), Ctrl+Z removes them, and no mask file is written. Without
// WebGPU in the browser it runs in the extension host (prelabelImageWebgpu.test.ts has WebGPU).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { artifactsRoot, TIMEOUT, withWorkbench } from './harness';
import { openFromTree, openInMaskEditor, readDemoMask, waitDirty, waitForCounts, waitForEditor } from './maskEditor';
import { openSegLab, press, runCommand, selectModel } from './workbench';

const SIZE = 512;
const MODEL = 'demo-unet';

test('Pre-label Image applies the prediction as one undoable edit and writes nothing', async () => {
  await withWorkbench('prelabelImage', async ({ page, dataset }) => {
    const stem = dataset.unlabeled[0];
    const maskFile = join(dataset.root, 'masks', `${stem}.png`);
    const editor = await openInMaskEditor(page, `${stem}.jpg`, SIZE);
    const before = await waitForCounts(editor, (c) => c.get(0) === SIZE * SIZE, 'an unlabeled image is all background');

    await selectModel(page, MODEL);
    await runCommand(page, 'SegLab: Pre-label Image');
    // Chromium here has no WebGPU adapter without flags: the host's native ONNX Runtime runs it.
    await editor.frame.locator('#status', { hasText: 'Pre-labeled with cpu (onnxruntime-node)' }).waitFor({ timeout: TIMEOUT.workbench });
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

test('with seglab.prelabel.onOpen, each unlabeled image is pre-labeled as it opens; Next Unlabeled saves it and moves on', async () => {
  await withWorkbench(
    'prelabelOnOpen',
    async ({ page, dataset }) => {
      const [first, second] = dataset.unlabeled;
      // The palette lists SegLab's commands once the extension host has them: wait for its status item.
      await page
        .locator('.statusbar-item', { hasText: /No model|demo-/ })
        .first()
        .waitFor({ timeout: TIMEOUT.workbench });
      await selectModel(page, MODEL);
      const editor = await openFromTree(page, await openSegLab(page), `${first}.jpg`, SIZE);
      await editor.frame.locator('#status', { hasText: 'Pre-labeled with cpu (onnxruntime-node)' }).waitFor({ timeout: TIMEOUT.workbench });
      const predicted = await waitForCounts(editor, (c) => (c.get(0) ?? 0) < SIZE * SIZE, 'the prediction labels some pixels');
      await waitDirty(page, true);
      assert.ok(!existsSync(join(dataset.root, 'masks', `${first}.png`)), 'pre-labeling on open writes nothing');

      await press(page, 'Alt+Shift+PageDown');
      await page.locator('.tabs-container .tab', { hasText: `${first}.jpg` }).waitFor({ state: 'detached' }); // its webview too
      const next = await waitForEditor(page, `${second}.jpg`, SIZE);
      const saved = readDemoMask(dataset.root, first);
      assert.equal(saved.data.filter((v) => v === 0).length, predicted.get(0), 'the first image was saved with its prediction');
      await next.frame.locator('#status', { hasText: 'Pre-labeled with' }).waitFor({ timeout: TIMEOUT.workbench });
      await waitDirty(page, true);
    },
    { settings: { 'seglab.prelabel.onOpen': true } },
  );
});
