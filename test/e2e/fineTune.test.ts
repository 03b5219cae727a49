// Scenario 7: "SegLab: Start Local Training Backend" runs the packaged trainer with Debian's
// Python (CPU torch), "SegLab: Fine-tune Model…" with the smallest choices (U-Net, 1 epoch, 256
// px crops) runs to success, the new model lands in the dataset's models/ with a card whose
// sha256 is the file's, the status bar shows it as the active model, and the Dataset mIoU view's
// Training section shows the job's loss and val-mIoU curves. No trainer process is left behind
// once the window has closed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { freePort } from '../../scripts/tools/launch';
import { artifactsRoot, TIMEOUT, withWorkbench } from './harness';
import { notification, openSegLab, startCommand, startLocalBackend, webviewWith } from './workbench';

const PYTHON = '/usr/bin/python3';
const TRAINING_TIMEOUT = 180_000;

/** This test's trainer processes still running (other sessions may run their own; pgrep exits 1 when none is). */
function trainerProcesses(port: number): string[] {
  try {
    return execFileSync('pgrep', ['-af', `seglab_trainer serve .*--port ${port}`], { encoding: 'utf8' })
      .trim()
      .split('\n');
  } catch {
    return [];
  }
}

/** Types `text` into the open quick pick and moves the focus to the row labelled exactly `label`. */
async function pickExactly(page: Page, label: string, text = label): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  await widget.locator('.monaco-list-row').first().waitFor({ timeout: TIMEOUT.workbench });
  await widget.locator('input').fill(text);
  const focused = widget.locator('.monaco-list-row.focused .label-name');
  for (let i = 0; (await focused.innerText()).trim() !== label; i++) {
    if (i > 10) throw new Error(`no quick pick row labelled ${label}`);
    await page.keyboard.press('Down');
  }
  await page.keyboard.press('Enter');
}

/** The SegLab side bar with the Dataset mIoU view expanded, once its webview shows `selector`. */
async function showMiouView(page: Page, selector: string) {
  const header = page.locator('.pane-header', { hasText: 'Dataset mIoU' });
  // A second click on the activity bar item would close the side bar again.
  if (!(await header.isVisible())) await openSegLab(page);
  await header.waitFor();
  if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
  return webviewWith(page, selector, 60_000);
}

test('Fine-tune on the local CPU backend succeeds and activates the new model', { skip: !existsSync(PYTHON) && `no ${PYTHON}` }, async () => {
  const port = await freePort();
  await withWorkbench('fineTune', async ({ page, dataset, userDataDir }) => {
    const models = join(dataset.root, 'models');
    const modelsBefore = new Set(readdirSync(models));
    await startLocalBackend(page, userDataDir, { python: PYTHON, port });

    await startCommand(page, 'SegLab: Fine-tune Model');
    await pickExactly(page, 'U-Net');
    // The budget: the placeholder names the device that trains; one epoch, as a number of epochs.
    await page.locator('.quick-input-widget input[placeholder*="the backend trains on the CPU (no GPU)"]').waitFor();
    await pickExactly(page, 'Epochs…');
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget', { hasText: 'Epochs (the backend' }).waitFor();
    await input.fill('1');
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: '1024' }).waitFor();
    await pickExactly(page, '256');

    const progress = notification(page, 'SegLab training');
    await progress.waitFor({ timeout: TIMEOUT.workbench });
    const done = notification(page, /Model .* is in .*\/models and active\./);
    // A screenshot while an epoch runs, if the job reaches one before it ends.
    const live = await Promise.race([
      notification(page, /SegLab training.*[Ee]poch/s)
        .waitFor({ timeout: TRAINING_TIMEOUT })
        .then(() => true),
      done.waitFor({ timeout: TRAINING_TIMEOUT }).then(() => false),
    ]);
    await page.screenshot({ path: join(artifactsRoot, 'screenshots', 'fine-tune-progress.png') });
    if (live) {
      // The epoch takes minutes on this CPU: the mIoU view shows the running job's first step losses.
      const frame = await showMiouView(page, '.training-run.job');
      const job = frame.locator('.training-run.job');
      assert.equal(await job.getAttribute('data-state'), 'running');
      assert.equal((await job.locator('.run-state').innerText()).trim(), 'running, epoch 1 of 1');
      await page.screenshot({ path: join(artifactsRoot, 'screenshots', 'fine-tune-live-curves.png') });
    }
    await done.waitFor({ timeout: TRAINING_TIMEOUT });

    const added = readdirSync(models)
      .filter((f) => !modelsBefore.has(f))
      .sort();
    assert.equal(added.length, 2, `new files in models/: ${added.join(', ')}`);
    const [card, onnx] = added;
    const name = onnx.replace(/\.onnx$/, '');
    assert.deepEqual(added, [`${name}.json`, `${name}.onnx`]);
    const parsed = JSON.parse(readFileSync(join(models, card), 'utf8')) as { sha256?: string };
    assert.equal(
      parsed.sha256,
      createHash('sha256')
        .update(readFileSync(join(models, onnx)))
        .digest('hex'),
      "the card names the file's sha256",
    );
    assert.match((await done.innerText()).replace(/\s+/g, ' '), new RegExp(`Model ${name} \\(val mIoU \\d\\.\\d{3}\\)`));
    await page.locator('.statusbar-item', { hasText: name }).first().waitFor();
    await page.screenshot({ path: join(artifactsRoot, 'screenshots', 'fine-tune-done.png') });

    // The mIoU view's Training section: the job's curves and its end state.
    const frame = await showMiouView(page, '.training-run.job[data-state="succeeded"]');
    const job = frame.locator('.training-run.job');
    assert.match((await job.locator('.run-title').innerText()).trim(), /^unet · job [0-9a-f]{8}$/);
    assert.match(
      (await job.locator('.training-summary').innerText()).replace(/\s+/g, ' '),
      /^val mIoU \d+\.\d% at epoch 1 \(best\) · train loss \d\.\d{3} at epoch 1$/,
    );
    assert.equal(await job.locator('canvas.training-chart').count(), 2, 'train-loss and val-mIoU charts');
    await frame.locator('#section-training').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(artifactsRoot, 'screenshots', 'fine-tune-curves.png') });
  });
  // withWorkbench has stopped code-server: the extension host stopped the backend on deactivate.
  const deadline = Date.now() + 20_000;
  let left = trainerProcesses(port);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    left = trainerProcesses(port);
  }
  assert.deepEqual(left, [], 'no seglab_trainer process is left');
});
