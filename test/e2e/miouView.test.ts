// Scenario 6: in code-server, the Dataset mIoU view shows the mIoU of `seglab miou --json` and
// how the model's classes were mapped, and moves within about a second when a label mask is saved.
// Its worst image opens in the mask editor with the disagreement layer on; correcting and saving it
// moves the count and the view.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { artifactsRoot, repoRoot, withWorkbench } from './harness';
import { readDemoMask, pickClass, strokeThrough, waitDirty, waitForEditor } from './maskEditor';
import { openSegLab, press, webviewWith, widenSideBar } from './workbench';
import { Disagreement } from '../../src/core/metrics/disagreement';
import { decodeMask, encodeMask } from '../../src/core/mask/codec';
import { DEMO_CLASSES } from '../../scripts/demo/generate';
import { MANIFEST_FILE } from '../../src/core/model/manifest';

function shifted(path: string, dx: number): Uint8Array {
  const m = decodeMask(readFileSync(path), { path, classes: DEMO_CLASSES });
  const out = new Uint8Array(m.data.length);
  for (let y = 0; y < m.height; y++) for (let x = 0; x < m.width; x++) out[y * m.width + x] = m.data[y * m.width + Math.min(m.width - 1, Math.max(0, x - dx))];
  for (let i = 0; i < out.length; i++) if (out[i] === 255) out[i] = 0;
  return encodeMask({ width: m.width, height: m.height, data: out }, DEMO_CLASSES, 255);
}

/** Pixels where the label and the prediction differ, as the editor's layer counts them. */
function disagreeing(root: string, stem: string): number {
  const label = readDemoMask(root, stem);
  const path = join(root, 'predictions', 'unet-r1', `${stem}.png`);
  const prediction = decodeMask(readFileSync(path), { path, classes: DEMO_CLASSES });
  const d = new Disagreement(prediction.data, label.width, label.height, DEMO_CLASSES.length, 255);
  d.update(label.data);
  return d.count;
}

const cli = (root: string) =>
  JSON.parse(
    execFileSync(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'miou', root, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
  );

test('mIoU view in code-server equals seglab miou --json and follows a saved mask', async () => {
  await withWorkbench('miouView', async ({ page, dataset }) => {
    const root = dataset.root;
    const masks = readdirSync(join(root, 'masks')).filter((f) => f.endsWith('.png'));
    mkdirSync(join(root, 'predictions', 'unet-r1'), { recursive: true });
    masks.forEach((f, i) => writeFileSync(join(root, 'predictions', 'unet-r1', f), shifted(join(root, 'masks', f), 2 + (i % 7))));
    // The class mapping seglab prelabel records for a model whose card maps by name: the view says it.
    const mapping = { rule: 'name', classes: DEMO_CLASSES.map((c) => ({ id: c.id, name: c.name, to: c.id })) };
    writeFileSync(join(root, 'predictions', 'unet-r1', MANIFEST_FILE), JSON.stringify({ version: 1, model: 'unet-r1', sha256: '0', mapping, images: {} }));
    await openSegLab(page);
    await widenSideBar(page, 480);
    const header = page.locator('.pane-header', { hasText: 'Dataset mIoU' });
    await header.waitFor();
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    const frame = await webviewWith(page, '#summary', 60_000);
    const expected = cli(root);
    const shown = async () => (await frame.locator('#summary .stat .value').first().textContent())?.trim();
    console.log('view', await shown(), 'cli', expected.miou);
    assert.equal(await shown(), `${(expected.miou * 100).toFixed(2)}%`);
    const names = DEMO_CLASSES.map((c) => `${c.name} (${c.id}) -> ${c.name} (${c.id})`).join(', ');
    assert.equal(await frame.locator('#class-mapping').textContent(), `Class mapping: classMap "byName": ${names}`);
    await page.screenshot({ path: join(artifactsRoot, 'screenshots', 'miou-view.png') });
    // Save a corrected mask: the view moves within a second or so.
    const before = await shown();
    const t0 = Date.now();
    writeFileSync(join(root, 'masks', masks[0]), readFileSync(join(root, 'predictions', 'unet-r1', masks[0])));
    while ((await shown()) === before && Date.now() - t0 < 15_000) await page.waitForTimeout(20);
    console.log('updated in', Date.now() - t0, 'ms to', await shown());
    const after = cli(root);
    assert.equal(await shown(), `${(after.miou * 100).toFixed(2)}%`);
    await page.screenshot({ path: join(artifactsRoot, 'screenshots', 'miou-view-after-save.png') });
    // The worst image opens from its link (through seglab.openImage, with the disagreement option).
    const worst = (await frame.locator('#worst-list li a').first().textContent())?.trim() ?? '';
    await frame.locator('#worst-list li a').first().click();
    const editor = await waitForEditor(page, `${worst}.jpg`, 512);
    const count = editor.frame.locator('#disagreement-count');
    const shownCount = async () => Number(/^([\d,]+) pixels disagree with unet-r1$/.exec((await count.textContent()) ?? '')?.[1].replace(/,/g, '') ?? NaN);
    await count.waitFor();
    const initial = disagreeing(root, worst);
    assert.equal(await shownCount(), initial);
    await page.screenshot({ path: join(artifactsRoot, 'screenshots', 'disagreement.png') });
    // Correct it (a stroke of background across the image) and save: the count and the view follow.
    await pickClass(editor, 'background');
    await strokeThrough(page, editor, [
      [20, 256],
      [490, 256],
    ]);
    await waitDirty(page, true);
    await press(page, 'Control+s');
    await waitDirty(page, false);
    const corrected = disagreeing(root, worst);
    assert.notEqual(corrected, initial);
    assert.equal(await shownCount(), corrected);
    const saved = cli(root);
    const t1 = Date.now();
    while ((await shown()) !== `${(saved.miou * 100).toFixed(2)}%` && Date.now() - t1 < 15_000) await page.waitForTimeout(50);
    assert.equal(await shown(), `${(saved.miou * 100).toFixed(2)}%`);
  });
});
