// Scenario: moving through a dataset from the mask editor. Alt+PageDown saves the painted mask and
// opens the next image in the same tab; "Next Unlabeled Image" (Alt+Shift+PageDown, here from the
// palette) skips labeled images; Alt+PageUp goes back. One editor tab throughout; the status bar
// says where the image is in the dataset, and the Dataset tree selects its row.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { withWorkbench } from './harness';
import { changedPixels, openFromTree, readDemoMask, strokeThrough, waitDirty, waitForEditor } from './maskEditor';
import { openSegLab, press, runCommand } from './workbench';

const SIZE = 512;

async function editorTabs(page: Page): Promise<string[]> {
  return page.locator('.tabs-container .tab').evaluateAll((tabs) => tabs.map((t) => t.getAttribute('aria-label') ?? ''));
}

test('Next Image saves and moves on in the same tab; Next Unlabeled skips labeled images; Previous goes back', async () => {
  await withWorkbench('navigateImages', async ({ page, dataset }) => {
    const [first, second] = dataset.stems;
    const before = readDemoMask(dataset.root, first);
    const view = await openSegLab(page);
    const editor = await openFromTree(page, view, `${first}.jpg`, SIZE);
    const total = dataset.stems.length;
    /** The status bar names the image's place, and the Dataset tree has its row selected. */
    const position = async (at: number) => {
      await page
        .locator('.statusbar-item', { hasText: `${at} / ${total} · ${dataset.unlabeled.length} unlabeled` })
        .first()
        .waitFor();
      await view.locator('.monaco-list-row.selected', { hasText: `${dataset.stems[at - 1]}.jpg` }).waitFor();
    };
    await position(1);
    await strokeThrough(page, editor, [
      [60, 300],
      [260, 340],
    ]);
    await waitDirty(page, true);

    await press(page, 'Alt+PageDown');
    await waitForEditor(page, `${second}.jpg`, SIZE);
    const painted = changedPixels(before, readDemoMask(dataset.root, first));
    assert.ok(painted.length > 100, `the first image's stroke was saved on the way (${painted.length} pixels)`);
    assert.deepEqual(await editorTabs(page), [`${second}.jpg`], 'the next image took the tab');
    await position(2);

    const unlabeled = dataset.stems.find((s, i) => i > dataset.stems.indexOf(second) && dataset.unlabeled.includes(s))!;
    await runCommand(page, 'SegLab: Next Unlabeled Image');
    await waitForEditor(page, `${unlabeled}.jpg`, SIZE);

    await press(page, 'Alt+PageUp');
    const previous = dataset.stems[dataset.stems.indexOf(unlabeled) - 1];
    await waitForEditor(page, `${previous}.jpg`, SIZE);
    await position(dataset.stems.indexOf(previous) + 1);
    assert.deepEqual(await editorTabs(page), [`${previous}.jpg`], 'one editor tab throughout');
  });
});

test('with seglab.editor.saveOnNavigate off, Next Image leaves the unsaved image in its own tab, unwritten', async () => {
  await withWorkbench(
    'navigateWithoutSaving',
    async ({ page, dataset }) => {
      const [first, second] = dataset.stems;
      const before = readFileSync(join(dataset.root, 'masks', `${first}.png`));
      const editor = await openFromTree(page, await openSegLab(page), `${first}.jpg`, SIZE);
      await strokeThrough(page, editor, [
        [60, 300],
        [260, 340],
      ]);
      await waitDirty(page, true);
      await press(page, 'Alt+PageDown');
      await waitForEditor(page, `${second}.jpg`, SIZE);
      assert.deepEqual(await editorTabs(page), [`${first}.jpg`, `${second}.jpg`], 'the unsaved image keeps its tab');
      await page.locator('.tabs-container .tab.dirty', { hasText: `${first}.jpg` }).waitFor();
      assert.ok(readFileSync(join(dataset.root, 'masks', `${first}.png`)).equals(before), 'its mask file is untouched');
    },
    { settings: { 'seglab.editor.saveOnNavigate': false } },
  );
});
