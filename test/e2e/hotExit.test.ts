// Scenario 3: a dirty mask editor survives a window reload (hot exit): it comes back dirty with
// the stroke, the file on disk untouched until the user saves.
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { TIMEOUT, waitForWorkbench, withWorkbench } from './harness';
import { changedPixels, openFromTree, readDemoMask, strokeThrough, waitDirty, waitForEditor } from './maskEditor';
import { openSegLab, press, runCommand } from './workbench';

const CELL = 1;

/** VS Code writes a custom editor's backup about a second after the change. */
async function waitForBackup(userDataDir: string): Promise<void> {
  const dir = join(userDataDir, 'User', 'Backups');
  const deadline = Date.now() + TIMEOUT.ui;
  const hasBackup = () => existsSync(dir) && readdirSync(dir, { recursive: true }).some((f) => String(f).includes('custom-editor'));
  while (!hasBackup()) {
    if (Date.now() > deadline) throw new Error(`no backup appeared under ${dir}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('a dirty mask editor is restored after a window reload', async () => {
  await withWorkbench('hotExit', async ({ page, dataset, userDataDir }) => {
    const stem = dataset.unlabeled[0];
    const view = await openSegLab(page);
    const editor = await openFromTree(page, view, `${stem}.jpg`, 512);
    await strokeThrough(page, editor, [
      [100, 100],
      [260, 180],
    ]); // the default class: cell body
    await waitDirty(page, true);
    await waitForBackup(userDataDir);

    await runCommand(page, 'Developer: Reload Window');
    await waitForWorkbench(page);
    await waitForEditor(page, `${stem}.jpg`, 512);
    await waitDirty(page, true);
    assert.ok(!existsSync(join(dataset.root, 'masks', `${stem}.png`)), 'nothing was written before saving');

    await page.locator('.tabs-container .tab.active').click();
    await press(page, 'Control+s');
    await waitDirty(page, false);
    const saved = readDemoMask(dataset.root, stem);
    const painted = changedPixels({ ...saved, data: new Uint8Array(saved.data.length) }, saved);
    assert.ok(painted.length > 100, `the restored stroke has ${painted.length} pixels`);
    assert.ok(
      painted.every((p) => p.value === CELL),
      'the stroke is cell body',
    );
  });
});
