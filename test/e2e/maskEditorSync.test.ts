// Scenario: two editors on one image stay in step; a mask changed on disk by another program is
// reloaded when the editors are clean and asked about when they hold unsaved work ("Keep My
// Changes" keeps them for the next save, "Reload from Disk" takes the file); Save As refuses to
// write over the image it proposes by default and writes a copy of the mask elsewhere.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO_CLASSES } from '../../scripts/demo/generate';
import { decodeMask, encodeMask, type Mask } from '../../src/core/mask/codec';
import { withWorkbench } from './harness';
import { classCounts, openFromTree, readDemoMask, strokeThrough, waitDirty, waitForCounts, type MaskEditor } from './maskEditor';
import { notification, openSegLab, press, runCommand, startCommand, webviewsWith } from './workbench';

const SIZE = 512;

/** Writes a mask the way other tools do (temp file, then rename), so the watcher sees whole files. */
function writeMaskFromOutside(path: string, mask: Mask): void {
  writeFileSync(`${path}.tmp`, encodeMask(mask, DEMO_CLASSES, 255));
  renameSync(`${path}.tmp`, path);
}

/** A mask that is background except a square of `value` at (x, y). */
function squareMask(x: number, y: number, side: number, value: number): Mask {
  const data = new Uint8Array(SIZE * SIZE);
  for (let row = y; row < y + side; row++) data.fill(value, row * SIZE + x, row * SIZE + x + side);
  return { width: SIZE, height: SIZE, data };
}

/** Pixels per class, as the editor's palette counts them (ignore pixels have no row there). */
function countsOf(mask: Mask): Map<number, number> {
  const counts = new Map(DEMO_CLASSES.map((c) => [c.id, 0]));
  for (const v of mask.data) if (counts.has(v)) counts.set(v, counts.get(v)! + 1);
  return counts;
}

const same = (a: Map<number, number>, b: Map<number, number>) => [...b].every(([id, n]) => a.get(id) === n);

async function bothShow(editors: MaskEditor[], counts: Map<number, number>, what: string): Promise<void> {
  for (const [i, editor] of editors.entries()) await waitForCounts(editor, (c) => same(c, counts), `${what} (editor ${i + 1})`);
}

/** "File: Save As..." with `path` typed into VS Code's own file dialog, confirmed if it asks. */
async function saveAs(page: Page, path: string): Promise<void> {
  await startCommand(page, 'File: Save As...');
  const input = page.locator('.quick-input-widget input');
  // VS Code's own file dialog reuses the palette's input and fills in its proposal a moment after
  // it opens, which would replace a path typed too early: type until the path stays.
  const deadline = Date.now() + 30_000;
  do {
    if (Date.now() > deadline) throw new Error(`the Save As dialog did not keep ${path}`);
    await input.fill(path);
    await page.waitForTimeout(500);
  } while ((await input.inputValue()) !== path);
  await press(page, 'Enter');
  // For an existing file the dialog asks again in its title; Enter is its OK.
  const widget = page.locator('.quick-input-widget');
  const asks = widget.locator('.quick-input-title', { hasText: 'already exists' });
  const settled = (p: Promise<void>, value: boolean) =>
    p.then(
      () => value,
      () => !value,
    ); // the race's loser times out later
  if (await Promise.race([settled(asks.waitFor(), true), settled(widget.waitFor({ state: 'hidden' }), false)])) await press(page, 'Enter');
  await widget.waitFor({ state: 'hidden' });
}

test('two editors on one image stay in step; changes on disk are reloaded or asked about; Save As never overwrites the image', async () => {
  await withWorkbench('maskEditorSync', async ({ page, dataset }) => {
    const stem = dataset.labeled[0];
    const maskPath = join(dataset.root, 'masks', `${stem}.png`);
    const view = await openSegLab(page);
    await openFromTree(page, view, `${stem}.jpg`, SIZE);
    await runCommand(page, 'View: Split Editor');
    const editors = (await webviewsWith(page, '#app[aria-busy="false"] #mask-canvas', 2)).map((frame) => ({
      frame,
      canvas: frame.locator('#mask-canvas'),
      width: SIZE,
      height: SIZE,
    }));
    const onDisk = countsOf(readDemoMask(dataset.root, stem));
    await bothShow(editors, onDisk, 'both editors open on the saved mask');

    // A stroke in one editor appears in the other.
    await strokeThrough(page, editors[0], [
      [40, 40],
      [200, 60],
    ]);
    await waitDirty(page, true);
    const painted = await waitForCounts(editors[0], (c) => !same(c, onDisk), 'the stroke changes the counts');
    await bothShow(editors, painted, 'the second editor follows the stroke');

    // Changed on disk while dirty: asked; keeping the changes leaves them for the next save.
    writeMaskFromOutside(maskPath, squareMask(300, 300, 50, 3));
    await notification(page, 'changed on disk, and you have unsaved changes').locator('.monaco-button', { hasText: 'Keep My Changes' }).click();
    await waitDirty(page, true);
    assert.ok(same(await classCounts(editors[1]), painted), 'keeping the changes leaves the editors as they were');
    await page.locator('.tabs-container .tab.active').first().click();
    await press(page, 'Control+s');
    await waitDirty(page, false);
    assert.ok(same(countsOf(readDemoMask(dataset.root, stem)), painted), "the save wrote the editors' mask over the outside change");

    // Dirty again, changed on disk, "Reload from Disk": the file wins in both editors.
    await strokeThrough(page, editors[1], [
      [100, 400],
      [300, 420],
    ]);
    await waitDirty(page, true);
    const square = squareMask(10, 10, 64, 2);
    writeMaskFromOutside(maskPath, square);
    await notification(page, 'changed on disk, and you have unsaved changes').locator('.monaco-button', { hasText: 'Reload from Disk' }).click();
    await bothShow(editors, countsOf(square), 'reloaded from disk');
    await waitDirty(page, false);

    // Changed on disk while clean: reloaded without asking.
    const other = squareMask(200, 100, 30, 1);
    writeMaskFromOutside(maskPath, other);
    await bothShow(editors, countsOf(other), 'a clean editor reloads by itself');
    assert.equal(await notification(page, 'changed on disk').count(), 0, 'no question for a clean editor');

    // Save As proposes the image itself: refused, the image untouched, nothing else written.
    const imagePath = join(dataset.root, 'images', `${stem}.jpg`);
    const image = readFileSync(imagePath);
    await strokeThrough(page, editors[0], [
      [260, 260],
      [400, 300],
    ]);
    await waitDirty(page, true);
    const edited = await waitForCounts(editors[0], (c) => !same(c, countsOf(other)), 'the stroke changes the counts');
    await saveAs(page, imagePath);
    await notification(page, /a mask is saved as a PNG/).waitFor();
    assert.ok(readFileSync(imagePath).equals(image), 'the image is unchanged');

    // Save As to a new PNG writes the edited mask there; the image and its own mask are untouched.
    const exportDir = join(dataset.root, '..', 'exports');
    mkdirSync(exportDir, { recursive: true });
    const copyPath = join(exportDir, `${stem}-copy.png`);
    await saveAs(page, copyPath);
    const copy = await waitForFile(copyPath);
    assert.ok(same(countsOf(copy), edited), 'the copy holds the edited mask');
    assert.ok(same(countsOf(readDemoMask(dataset.root, stem)), countsOf(other)), "the dataset's mask is unchanged");
    assert.ok(readFileSync(imagePath).equals(image), 'the image is unchanged');
  });
});

async function waitForFile(path: string): Promise<Mask> {
  const deadline = Date.now() + 30_000;
  while (true) {
    try {
      return decodeMask(readFileSync(path), { path, classes: DEMO_CLASSES });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
