// Things a user does in the VS Code workbench, as Playwright steps: the command palette, the
// SegLab view, tree rows, webviews, keys and mouse strokes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { QUIET_SETTINGS, writeUserSettings } from '../../scripts/tools/launch';
import { TIMEOUT } from './harness';

/**
 * F1, the command's title, Enter on its row; returns once that row is gone, so it also suits a
 * command that answers with its own quick pick or input box.
 */
export async function startCommand(page: Page, title: string, timeout = TIMEOUT.ui): Promise<void> {
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  await againIfClosed(page, title, async () => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(`>${title}`, { timeout: FILL_MS });
    await row.waitFor({ timeout });
  });
  await page.keyboard.press('Enter');
  await row.waitFor({ state: 'hidden' });
}

/** Typing into an open quick input takes milliseconds; longer means it closed. */
export const FILL_MS = 15_000;

/**
 * Runs `step`, which opens a quick input and types into it, once more when the input closed under it. VS Code
 * closes a quick input that loses focus, and a webview that has just loaded or was focused before the input
 * opened can take focus a moment later: focus events recorded in the workbench showed the input's focus going
 * to the mask editor's or the image preview's iframe. It happens to a person too; the scenarios are not about it.
 */
export async function againIfClosed(page: Page, what: string, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (error) {
    if (await page.locator('.quick-input-widget input').isVisible()) throw error;
    console.log(`[e2e] ${what}: the quick input closed (focus went to a webview); opening it again`);
    await step();
  }
}

/** Runs a command from the palette and waits for the palette to close. */
export async function runCommand(page: Page, title: string, timeout = TIMEOUT.ui): Promise<void> {
  await startCommand(page, title, timeout);
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** Clicks SegLab in the activity bar and waits for its Dataset view. */
export async function openSegLab(page: Page): Promise<Locator> {
  // The item appears once the extension host has scanned the extensions: slow on a busy machine.
  // Its label sits on the tab or on the link inside it, depending on the item's state.
  await page
    .locator('.activitybar .action-item [aria-label^="SegLab"], .activitybar [role="tab"][aria-label^="SegLab"]')
    .first()
    .click({ timeout: TIMEOUT.workbench });
  const view = page.locator('.pane', { has: page.locator('.pane-header .title', { hasText: /^Dataset$/ }) });
  await view.locator('.monaco-list').waitFor({ timeout: TIMEOUT.workbench });
  return view;
}

export interface TreeRow {
  label: string;
  description: string;
  level: number;
}

/** The rows a tree view shows now (only the rendered ones: VS Code virtualises long lists). */
export async function treeRows(view: Locator): Promise<TreeRow[]> {
  return view.locator('.monaco-list-row').evaluateAll((rows) =>
    rows.map((row) => ({
      label: row.querySelector('.label-name')?.textContent?.trim() ?? '',
      description: row.querySelector('.label-description')?.textContent?.trim() ?? '',
      level: Number(row.getAttribute('aria-level') ?? 0),
    })),
  );
}

/** The row whose label is `label`. */
export function treeRow(view: Locator, label: string): Locator {
  return view.locator('.monaco-list-row', { has: view.page().locator('.label-name', { hasText: label }) }).first();
}

/**
 * The webviews whose document shows `selector`, once there are `count` of them. VS Code nests each
 * webview twice: an outer iframe (marked `ready` once loaded) and the extension's document in
 * `#active-frame`; several can exist at once (views, editors, the built-in image preview).
 */
export async function webviewsWith(page: Page, selector: string, count: number, timeout = TIMEOUT.ui): Promise<FrameLocator[]> {
  const deadline = Date.now() + timeout;
  while (true) {
    const names = await page.locator('iframe.webview.ready').evaluateAll((els) => els.map((e) => e.getAttribute('name') ?? ''));
    const frames: FrameLocator[] = [];
    for (const name of names) {
      const frame = page.frameLocator(`iframe.webview.ready[name="${name}"]`).frameLocator('#active-frame');
      if ((await frame.locator(selector).count()) > 0) frames.push(frame);
    }
    if (frames.length >= count) return frames;
    if (Date.now() > deadline) throw new Error(`${frames.length} webviews, not ${count}, showed ${selector} within ${timeout / 1000} s`);
    await page.waitForTimeout(250);
  }
}

/** The (first) webview whose document shows `selector`, waiting for it. */
export async function webviewWith(page: Page, selector: string, timeout = TIMEOUT.ui): Promise<FrameLocator> {
  return (await webviewsWith(page, selector, 1, timeout))[0];
}

/** The notification toast showing `text`. */
export function notification(page: Page, text: string | RegExp): Locator {
  return page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
}

/** A key chord sent to whatever has focus (the webview, when it was clicked last). */
export async function press(page: Page, keys: string): Promise<void> {
  await page.keyboard.press(keys);
}

/** Drags the sash between the side bar and the editor so the side bar is `width` pixels wide. */
export async function widenSideBar(page: Page, width: number): Promise<void> {
  const sidebar = await page.locator('.part.sidebar').boundingBox();
  if (!sidebar) throw new Error('widenSideBar: no side bar');
  const edge = sidebar.x + sidebar.width;
  const sashes = await page
    .locator('.monaco-sash.vertical')
    .evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ x: r.x + r.width / 2, y: r.y + r.height / 2, h: r.height })));
  const sash = sashes.filter((s) => s.h > 0).sort((a, b) => Math.abs(a.x - edge) - Math.abs(b.x - edge))[0];
  if (!sash || Math.abs(sash.x - edge) > 8) throw new Error("widenSideBar: no sash at the side bar's edge");
  await page.mouse.move(sash.x, sash.y);
  await page.mouse.down();
  await page.mouse.move(sidebar.x + width, sash.y, { steps: 5 });
  await page.mouse.up();
}

/** "SegLab: Select Model", then the model's row in the quick pick that follows; waits for the status bar to name it. */
export async function selectModel(page: Page, name: string): Promise<void> {
  await againIfClosed(page, `Select Model ${name}`, async () => {
    await startCommand(page, 'SegLab: Select Model');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor({ timeout: TIMEOUT.workbench });
    await page.locator('.quick-input-widget input').fill(name, { timeout: FILL_MS });
  });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  await page.locator('.statusbar-item', { hasText: name }).first().waitFor();
}

/**
 * Points SegLab at a local training backend on `port` run by `python`, runs "SegLab: Start Local
 * Training Backend" once SegLab's commands are there, and waits until the backend runs.
 */
export async function startLocalBackend(page: Page, userDataDir: string, backend: { python: string; port: number }): Promise<void> {
  const { python, port } = backend;
  const training = { 'seglab.training.python': python, 'seglab.training.backendUrl': `http://127.0.0.1:${port}` };
  // Machine-scoped settings: code-server's window is a remote one, so it reads them from the
  // Machine settings; the User file gets them too, as desktop VS Code would read them there.
  writeUserSettings(userDataDir, { ...QUIET_SETTINGS, ...training }, true);
  mkdirSync(join(userDataDir, 'Machine'), { recursive: true });
  writeFileSync(join(userDataDir, 'Machine', 'settings.json'), JSON.stringify(training, null, 2) + '\n');
  // The palette lists SegLab's commands once the extension host has them: wait for its status item.
  await page
    .locator('.statusbar-item', { hasText: /No model|demo-/ })
    .first()
    .waitFor({ timeout: TIMEOUT.workbench });
  // The settings file watcher needs a moment; the notification names the port that was used.
  await page.waitForTimeout(2000);
  await runCommand(page, 'SegLab: Start Local Training Backend');
  await notification(page, `training backend running at http://127.0.0.1:${port}`).waitFor({ timeout: 120_000 });
}
