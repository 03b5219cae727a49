// Scenario 5: "SegLab: Select Model" (demo-unet), then "SegLab: Pre-label Dataset" on all images
// from the command palette: a progress notification counts the images, and when it is done every
// image of the dataset has a prediction in predictions/demo-unet/ (an indexed PNG of the image's
// size) while no label mask changed by a single byte.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { decodeMask } from '../../src/core/mask/codec';
import { DEMO_CLASSES } from '../../scripts/demo/generate';
import { artifactsRoot, TIMEOUT, withWorkbench } from './harness';
import { startCommand } from './workbench';

const MODEL = 'demo-unet';
const SIZE = 512;

function filesIn(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));
}

/** Answers the quick pick that is open with the row showing `label`. */
async function pick(page: Page, label: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first().waitFor({ timeout: TIMEOUT.workbench });
  await input.fill(label);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

test('Pre-label Dataset writes a prediction for every image, with progress, and leaves the masks alone', async () => {
  await withWorkbench('prelabelDataset', async ({ page, dataset }) => {
    const root = dataset.root;
    const images = readdirSync(join(root, 'images')).filter((f) => ['.jpg', '.png'].includes(extname(f)));
    assert.ok(images.length >= 50, `the demo has ${images.length} images`);
    const masksBefore = filesIn(join(root, 'masks'));

    // The palette lists SegLab's commands once the extension host has them: wait for its status item.
    await page
      .locator('.statusbar-item', { hasText: /No model|demo-/ })
      .first()
      .waitFor({ timeout: TIMEOUT.workbench });
    await startCommand(page, 'SegLab: Select Model');
    await pick(page, MODEL);
    await page.locator('.statusbar-item', { hasText: MODEL }).first().waitFor({ timeout: TIMEOUT.workbench });

    await startCommand(page, 'SegLab: Pre-label Dataset');
    await pick(page, 'All images');
    const toasts = page.locator('.notifications-toasts .notification-toast');
    const running = toasts.filter({ hasText: `with ${MODEL}` }).filter({ hasText: /\d+\/\d+/ });
    await running.first().waitFor({ timeout: TIMEOUT.workbench });
    const text = (await running.first().innerText()).replace(/\s+/g, ' ');
    assert.match(text, new RegExp(`Pre-labeling .* with ${MODEL}.* \\d+/${images.length}`), `progress: ${text}`);
    await page.screenshot({ path: join(artifactsRoot, 'screenshots', 'prelabel-dataset-progress.png') });

    const summary = `${MODEL}: ${images.length} predictions written, 0 already up to date, 0 failed.`;
    await toasts.filter({ hasText: summary }).first().waitFor({ timeout: 240_000 });
    await page.screenshot({ path: join(artifactsRoot, 'screenshots', 'prelabel-dataset-done.png') });

    const predictions = join(root, 'predictions', MODEL);
    const written = readdirSync(predictions)
      .filter((f) => f.endsWith('.png'))
      .sort(); // beside a .seglab-model.json record
    assert.deepEqual(written, images.map((f) => f.slice(0, -extname(f).length) + '.png').sort());
    for (const f of written) {
      const path = join(predictions, f);
      const bytes = readFileSync(path);
      assert.equal(bytes[25], 3, `${path} is an indexed PNG (IHDR colour type 3)`);
      const mask = decodeMask(bytes, { path, classes: DEMO_CLASSES });
      assert.ok(
        mask.data.every((c) => c < DEMO_CLASSES.length),
        `${path} holds class ids only`,
      );
      assert.equal(`${mask.width}x${mask.height}`, `${SIZE}x${SIZE}`, path);
    }
    assert.deepEqual(filesIn(join(root, 'masks')), masksBefore, 'no label mask changed');
  });
});
