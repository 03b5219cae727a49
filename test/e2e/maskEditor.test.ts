// Scenario 2: open an image in the mask editor from the tree, paint a stroke, undo it with
// Ctrl+Z, paint again and save with Ctrl+S: on disk, exactly the second stroke's pixels changed,
// all to the painted class.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { artifactsRoot, withWorkbench } from './harness';
import { changedPixels, distanceToSegment, hoverStatus, openFromTree, pickClass, pixelToPage, readDemoMask, strokeThrough, waitDirty } from './maskEditor';
import { openSegLab, press, widenSideBar } from './workbench';

const DEBRIS = 3;
/** The editor's default brush is 16 pixels across; allow for its anti-aliased rim. */
const BRUSH_REACH = 8 + 1.5;

test('paint, undo, paint again and save writes exactly the second stroke', async () => {
  await withWorkbench('maskEditor', async ({ page, dataset }) => {
    const stem = dataset.labeled[0];
    const before = readDemoMask(dataset.root, stem);
    const view = await openSegLab(page);
    const editor = await openFromTree(page, view, `${stem}.jpg`, before.width);
    assert.match(await hoverStatus(page, editor, 40, 60), /x 40, y 60/);
    await pickClass(editor, 'debris');

    const first: [number, number][] = [
      [60, 120],
      [200, 140],
    ];
    await strokeThrough(page, editor, first);
    await waitDirty(page, true);
    await press(page, 'Control+z');
    await waitDirty(page, false);

    const second: [number, number][] = [
      [300, 380],
      [440, 330],
    ];
    await strokeThrough(page, editor, second);
    await waitDirty(page, true);
    await widenSideBar(page, 300);
    await page.mouse.move(...(await pixelToPage(editor, 440, 330))); // the status line names the class
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(artifactsRoot, 'screenshots', 'mask-editor.png') });
    await press(page, 'Control+s');
    await waitDirty(page, false);

    const changed = changedPixels(before, readDemoMask(dataset.root, stem));
    assert.ok(changed.length > 100, `the stroke changed ${changed.length} pixels`);
    for (const p of changed) {
      assert.equal(p.value, DEBRIS, `pixel (${p.x}, ${p.y}) has the painted class`);
      assert.ok(distanceToSegment(p.x, p.y, second[0], second[1]) <= BRUSH_REACH, `pixel (${p.x}, ${p.y}) lies on the second stroke`);
    }
    const after = readDemoMask(dataset.root, stem);
    for (let x = 300; x <= 440; x += 10) {
      const y = Math.round(380 + ((330 - 380) * (x - 300)) / 140);
      assert.equal(after.data[y * after.width + x], DEBRIS, `the stroke's centre line at (${x}, ${y})`);
    }
  });
});
