// Scenario: Prepare Smart Select for Dataset on the training backend, from the command palette.
//
// With the local backend started ("SegLab: Start Local Training Backend", Debian's Python) and the known-answer pair
// chosen, "Prepare Smart Select for Dataset" asks which images and where, runs the encoder on the backend for the
// unlabeled images (its shards run `seglab embed`, onnxruntime-node; no Python ONNX Runtime), and ends with its
// counts; the SegLab log names the job and the ONNX Runtime provider (cpu). Opening one of those images and choosing
// Smart Select then takes its embedding from the disk cache: the status line says "embedding: disk".
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { freePort } from '../../scripts/tools/launch';
import { samTestCard } from '../model/promptable/fixtures';
import { TIMEOUT, withWorkbench } from './harness';
import { openInMaskEditor, waitForCounts } from './maskEditor';
import { notification, press, selectModel, startCommand, startLocalBackend } from './workbench';

const PYTHON = '/usr/bin/python3';
const SIZE = 512;

/** Answers the quick pick that is open with the row showing `label` (the next question reuses the widget). */
async function pick(page: Page, label: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: label }).first().waitFor({ timeout: TIMEOUT.workbench });
  await input.fill(label);
  await page.keyboard.press('Enter');
}

function filesUnder(dir: string, name: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => name.test(f) && statSync(f).isFile());
}

test(
  'Prepare Smart Select on the training backend fills the disk cache; the first Smart Select on such an image says "embedding: disk"',
  { skip: !existsSync(PYTHON) && `no ${PYTHON}` },
  async () => {
    const port = await freePort();
    await withWorkbench('smartSelectBackend', async ({ page, dataset, userDataDir }) => {
      await samTestCard(join(dataset.root, 'models'));
      await startLocalBackend(page, userDataDir, { python: PYTHON, port });
      await selectModel(page, 'sam-test');

      const unlabeled = dataset.unlabeled.length;
      await startCommand(page, 'SegLab: Prepare Smart Select for Dataset');
      await pick(page, 'Unlabeled images only');
      await pick(page, 'On the training backend');
      const summary = `Smart Select with sam-test: ${unlabeled} images computed, 0 already cached, 0 failed.`;
      await notification(page, summary).waitFor({ timeout: 240_000 });
      const cached = filesUnder(userDataDir, /[/\\]embeddings[/\\][^/\\]+\.emb$/);
      assert.equal(cached.length, unlabeled, `the backend's embeddings are in the host's disk cache: ${cached.length}`);
      const log = filesUnder(join(userDataDir, 'logs'), /SegLab\.log$/)
        .map((f) => readFileSync(f, 'utf8'))
        .join('\n');
      assert.match(log, new RegExp(`on http://127\\.0\\.0\\.1:${port} \\(job [0-9a-f]{32}, succeeded, cpu\\): ${unlabeled} received`));

      const editor = await openInMaskEditor(page, `${dataset.unlabeled[0]}.jpg`, SIZE);
      await waitForCounts(editor, (c) => c.get(0) === SIZE * SIZE, 'an unlabeled image is all background');
      await editor.canvas.focus();
      await press(page, 's');
      const ready = editor.frame.locator('#status').filter({ hasText: 'Smart Select with sam-test' });
      await ready.waitFor({ timeout: TIMEOUT.workbench });
      assert.match((await ready.textContent()) ?? '', /embedding: disk, 0 ms/);
    });
  },
);
