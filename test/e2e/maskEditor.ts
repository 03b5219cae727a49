// Driving the SegLab mask editor inside its webview, and reading masks back from disk.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { DEMO_CLASSES } from '../../scripts/demo/generate';
import { decodeMask, type Mask } from '../../src/core/mask/codec';
import { TIMEOUT } from './harness';
import { againIfClosed, FILL_MS, runCommand, treeRow, webviewWith } from './workbench';

export interface MaskEditor {
  frame: FrameLocator;
  canvas: Locator;
  /** Image size in pixels. */
  width: number;
  height: number;
}

/** Clicks an image in the Dataset tree and waits until the mask editor has drawn it. */
export async function openFromTree(page: Page, view: Locator, imageLabel: string, size: number): Promise<MaskEditor> {
  await treeRow(view, imageLabel).click();
  try {
    return await waitForEditor(page, imageLabel, size);
  } catch (error) {
    throw new Error(`clicking ${imageLabel} in the Dataset tree did not open the SegLab mask editor: ${error instanceof Error ? error.message : error}`, {
      cause: error,
    });
  }
}

/** Quick Open on the image, then "SegLab: Open in Mask Editor" on the active image. */
export async function openInMaskEditor(page: Page, imageName: string, size: number): Promise<MaskEditor> {
  await againIfClosed(page, `Go to File ${imageName}`, async () => {
    await page.keyboard.press('Control+p');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(imageName, { timeout: FILL_MS });
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: imageName }).first().waitFor();
  });
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: imageName }).waitFor({ timeout: TIMEOUT.workbench });
  await runCommand(page, 'SegLab: Open in Mask Editor');
  return waitForEditor(page, imageName, size);
}

/** The active tab is the mask editor on `imageLabel`, initialised. */
export async function waitForEditor(page: Page, imageLabel: string, size: number): Promise<MaskEditor> {
  await page.locator('.tabs-container .tab.active', { hasText: imageLabel }).waitFor({ timeout: TIMEOUT.workbench });
  const frame = await webviewWith(page, '#app[aria-busy="false"] #mask-canvas', TIMEOUT.workbench);
  return { frame, canvas: frame.locator('#mask-canvas'), width: size, height: size };
}

/** Page coordinates of image pixel (x, y)'s centre, with the image fitted and centred as it opens. */
export async function pixelToPage(editor: MaskEditor, x: number, y: number): Promise<[number, number]> {
  const box = await editor.canvas.boundingBox();
  if (!box) throw new Error('the mask canvas is not visible');
  const scale = Math.min(box.width / editor.width, box.height / editor.height);
  const left = box.x + (box.width - editor.width * scale) / 2;
  const top = box.y + (box.height - editor.height * scale) / 2;
  return [left + (x + 0.5) * scale, top + (y + 0.5) * scale];
}

/** The pixel the status line reports under the mouse at image pixel (x, y): checks pixelToPage. */
export async function hoverStatus(page: Page, editor: MaskEditor, x: number, y: number): Promise<string> {
  await page.mouse.move(...(await pixelToPage(editor, x, y)));
  return (await editor.frame.locator('#status').textContent()) ?? '';
}

export async function pickClass(editor: MaskEditor, name: string): Promise<void> {
  const row = editor.frame.locator('#class-list li', { hasText: name });
  await row.click();
  await row.and(editor.frame.locator('[aria-selected="true"]')).waitFor();
}

/** Pixel count per class id, as the editor's palette shows them. */
export async function classCounts(editor: MaskEditor): Promise<Map<number, number>> {
  const rows = await editor.frame
    .locator('#class-list li')
    .evaluateAll((lis) =>
      lis.map((li) => [Number(li.getAttribute('data-class')), Number((li.querySelector('.count')?.textContent ?? '').replace(/\D/g, ''))] as const),
    );
  return new Map(rows);
}

/** Polls the palette's counts until `ok` holds; the error shows the last counts. */
export async function waitForCounts(editor: MaskEditor, ok: (counts: Map<number, number>) => boolean, what: string): Promise<Map<number, number>> {
  const deadline = Date.now() + TIMEOUT.ui;
  while (true) {
    const counts = await classCounts(editor);
    if (ok(counts)) return counts;
    if (Date.now() > deadline) throw new Error(`${what}: class counts are ${JSON.stringify([...counts])}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A mouse stroke through image pixels. */
export async function strokeThrough(page: Page, editor: MaskEditor, pixels: Array<[number, number]>): Promise<void> {
  await page.mouse.move(...(await pixelToPage(editor, ...pixels[0])));
  await page.mouse.down();
  for (const p of pixels.slice(1)) await page.mouse.move(...(await pixelToPage(editor, ...p)), { steps: 10 });
  await page.mouse.up();
}

/** Waits for the active tab's dirty marker to be `dirty` (the first group's, when the editor is split). */
export async function waitDirty(page: Page, dirty: boolean): Promise<void> {
  await page
    .locator(`.tabs-container .tab.active${dirty ? '.dirty' : ':not(.dirty)'}`)
    .first()
    .waitFor();
}

export function readDemoMask(root: string, stem: string): Mask {
  const path = join(root, 'masks', `${stem}.png`);
  return decodeMask(readFileSync(path), { path, classes: DEMO_CLASSES });
}

/** Pixels whose value differs between two masks of the same size. */
export function changedPixels(before: Mask, after: Mask): Array<{ x: number; y: number; value: number }> {
  const out: Array<{ x: number; y: number; value: number }> = [];
  for (let i = 0; i < before.data.length; i++) {
    if (before.data[i] !== after.data[i]) out.push({ x: i % before.width, y: Math.floor(i / before.width), value: after.data[i] });
  }
  return out;
}

/** Distance from (x, y) to the segment a-b, in pixels. */
export function distanceToSegment(x: number, y: number, a: [number, number], b: [number, number]): number {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const t = Math.max(0, Math.min(1, ((x - a[0]) * dx + (y - a[1]) * dy) / (dx * dx + dy * dy || 1)));
  return Math.hypot(x - (a[0] + t * dx), y - (a[1] + t * dy));
}
