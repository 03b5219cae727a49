// Scenario 1: the SegLab activity bar shows the Dataset tree with the counts of the files on disk.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { artifactsRoot, withWorkbench } from './harness';
import { openSegLab, treeRow, treeRows, widenSideBar } from './workbench';

test('the Dataset tree shows the demo dataset with its counts', async () => {
  await withWorkbench('datasetTree', async ({ page, dataset }) => {
    const images = readdirSync(join(dataset.root, 'images')).length;
    const masks = readdirSync(join(dataset.root, 'masks')).length;
    const expected = `${images} images · ${masks} labeled · ${images - masks} unlabeled`;

    const view = await openSegLab(page);
    const datasetRow = treeRow(view, 'Microscopy demo');
    await datasetRow.locator('.label-description', { hasText: expected }).waitFor();

    // The single dataset opens expanded: its first images are listed with their status (the tree
    // renders its children after the dataset row, so wait for them).
    await view
      .locator('.monaco-list-row .label-name', { hasText: /^cell_/ })
      .nth(4)
      .waitFor();
    const rows = await treeRows(view);
    const imageRows = rows.filter((r) => r.label.startsWith('cell_'));
    assert.ok(imageRows.length >= 5, `expected image rows, got ${JSON.stringify(rows)}`);
    for (const row of imageRows) {
      const stem = row.label.replace(/\.jpg$/, '');
      assert.equal(row.description, dataset.unlabeled.includes(stem) ? 'unlabeled' : 'labeled', row.label);
    }
    await widenSideBar(page, 560);
    await page.mouse.move(1000, 450); // no hover tooltip or highlighted sash in the picture
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(artifactsRoot, 'screenshots', 'dataset-tree.png') });
  });
});
