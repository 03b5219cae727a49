// Scenario 6: in code-server, the Dataset mIoU view shows the mIoU of `seglab miou --json`
// and moves within about a second when a label mask is saved.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { artifactsRoot, repoRoot, withWorkbench } from './harness';
import { openSegLab, webviewWith, widenSideBar } from './workbench';
import { decodeMask, encodeMask } from '../../src/core/mask/codec';
import { DEMO_CLASSES } from '../../scripts/demo/generate';

function shifted(path: string, dx: number): Uint8Array {
  const m = decodeMask(readFileSync(path), { path, classes: DEMO_CLASSES });
  const out = new Uint8Array(m.data.length);
  for (let y = 0; y < m.height; y++) for (let x = 0; x < m.width; x++) out[y * m.width + x] = m.data[y * m.width + Math.min(m.width - 1, Math.max(0, x - dx))];
  for (let i = 0; i < out.length; i++) if (out[i] === 255) out[i] = 0;
  return encodeMask({ width: m.width, height: m.height, data: out }, DEMO_CLASSES, 255);
}

const cli = (root: string) => JSON.parse(execFileSync(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'miou', root, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));

test('mIoU view in code-server equals seglab miou --json and follows a saved mask', async () => {
  await withWorkbench('miouView', async ({ page, dataset }) => {
    const root = dataset.root;
    const masks = readdirSync(join(root, 'masks')).filter((f) => f.endsWith('.png'));
    mkdirSync(join(root, 'predictions', 'unet-r1'), { recursive: true });
    masks.forEach((f, i) => writeFileSync(join(root, 'predictions', 'unet-r1', f), shifted(join(root, 'masks', f), 2 + (i % 7))));
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
    await page.locator('.tabs-container .tab', { hasText: `${worst}.jpg` }).waitFor();
  });
});
