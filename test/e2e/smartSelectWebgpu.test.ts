// Scenario: Smart Select's image encoder on WebGPU in the mask editor (Chromium with WebGPU on SwiftShader).
//
// With the known-answer pair chosen and seglab.webgpu at "any" (a software adapter too), S on an unlabeled demo
// image runs the encoder in the editor's webview: the status line says "embedding: webgpu", clicks preview and Enter
// commits the known answer, and the host keeps the webview's embeddings in its disk cache (one entry in the
// extension's embeddings/ folder) and memory: the image opened again gets them from the host ("embedding: memory").
// With the setting at its default "auto", another image is encoded in the extension host ("embedding: encoder"), since
// SwiftShader is a software fallback adapter, and the SegLab log says why. SwiftShader emulates a GPU on the CPU: its time (printed) is no speed figure.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { QUIET_SETTINGS, writeUserSettings } from '../../scripts/tools/launch';
import { expectedMask, RADII, samTestCard, type Pt } from '../model/promptable/fixtures';
import { TIMEOUT, withWorkbench } from './harness';
import { openInMaskEditor, pickClass, pixelToPage, waitDirty, waitForCounts, type MaskEditor } from './maskEditor';
import { press, runCommand, selectModel } from './workbench';

const SIZE = 512;
const DEBRIS = 3;
const POINTS: Pt[] = [
  [150, 250, 1],
  [215, 262, 1],
  [240, 262, 0],
];
/** The encoder's first run on SwiftShader, shaders compiled: 45 s for this pair in headless Chromium on the loaded 2-core machine. */
const WEBGPU_ENCODE_MS = 240_000;

const status = (editor: MaskEditor) => editor.frame.locator('#status');

/** Files under `dir` (recursively) whose path matches `name`. */
function filesUnder(dir: string, name: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => name.test(f) && statSync(f).isFile());
}

async function open(page: Page, stem: string): Promise<MaskEditor> {
  const editor = await openInMaskEditor(page, `${stem}.jpg`, SIZE);
  await waitForCounts(editor, (c) => c.get(0) === SIZE * SIZE, 'an unlabeled image is all background');
  return editor;
}

/** Chooses Smart Select and returns the status line once the model is ready. */
async function smartSelect(page: Page, editor: MaskEditor, timeout: number): Promise<string> {
  await editor.canvas.focus();
  await press(page, 's');
  const ready = status(editor).filter({ hasText: 'Smart Select with sam-test' });
  await ready.waitFor({ timeout });
  return (await ready.textContent()) ?? '';
}

test('Smart Select encodes on WebGPU in the editor, the host caches the result; "auto" keeps the encoder in the extension host on a software adapter', async () => {
  await withWorkbench(
    'smartSelectWebgpu',
    async ({ page, dataset, userDataDir }) => {
      await samTestCard(join(dataset.root, 'models'));
      const [first, second] = dataset.unlabeled;
      const editor = await open(page, first);
      await selectModel(page, 'sam-test');

      const started = performance.now();
      const line = await smartSelect(page, editor, WEBGPU_ENCODE_MS);
      const wallMs = performance.now() - started;
      const webgpu = /embedding: (\w+), (\d+) ms/.exec(line);
      assert.equal(webgpu?.[1], 'webgpu', `the status line names where the embedding came from: ${line}`);
      await pickClass(editor, 'debris');
      await editor.canvas.focus();
      for (const [i, [x, y, label]] of POINTS.entries()) {
        await page.mouse.click(...(await pixelToPage(editor, x, y)), { button: label === 1 ? 'left' : 'right' });
        await status(editor)
          .filter({ hasText: `Smart Select: ${i + 1} prompt(s), candidate 1 of 3` })
          .waitFor();
      }
      await press(page, 'Enter');
      const { mask, uncertain } = expectedMask(SIZE, SIZE, POINTS, RADII[1]);
      const expected = mask.reduce((a, b) => a + b, 0);
      const slack = uncertain.reduce((a, b) => a + b, 0);
      const counts = await waitForCounts(editor, (c) => (c.get(DEBRIS) ?? 0) > 0, 'Enter commits the selection');
      assert.ok(Math.abs(counts.get(DEBRIS)! - expected) <= slack, `${counts.get(DEBRIS)} pixels committed, the known answer has ${expected}`);
      const cached = filesUnder(userDataDir, /[/\\]embeddings[/\\][^/\\]+\.emb$/);
      assert.equal(cached.length, 1, `the webview's embeddings are in the host's disk cache: ${cached.join(', ')}`);

      await page.locator('.tabs-container .tab.active').click();
      await press(page, 'Control+z');
      await waitForCounts(editor, (c) => !c.get(DEBRIS), 'Ctrl+Z removes the selection');
      await waitDirty(page, false);
      await runCommand(page, 'View: Close All Editors');
      const again = await smartSelect(page, await open(page, first), TIMEOUT.workbench);
      assert.match(again, /embedding: memory, 0 ms/, 'the image opened again gets the webview-computed embeddings from the host');
      await runCommand(page, 'View: Close All Editors');

      // code-server's window is a remote one: the Machine settings hold it too; the settings file watcher needs a moment.
      const hostSetting = { 'seglab.webgpu': 'auto' };
      writeUserSettings(userDataDir, { ...QUIET_SETTINGS, ...hostSetting }, true);
      mkdirSync(join(userDataDir, 'Machine'), { recursive: true });
      writeFileSync(join(userDataDir, 'Machine', 'settings.json'), JSON.stringify(hostSetting, null, 2) + '\n');
      await page.waitForTimeout(10_000);
      const host = await smartSelect(page, await open(page, second), TIMEOUT.workbench);
      assert.match(host, /embedding: encoder, \d+ ms/, 'with "auto" on a software adapter the extension host encodes');
      const log = filesUnder(join(userDataDir, 'logs'), /SegLab\.log$/)
        .map((f) => readFileSync(f, 'utf8'))
        .join('\n');
      assert.match(log, /encoded by sam-test on webgpu in the editor in \d+ ms/);
      assert.match(
        log,
        new RegExp(`encoding \\S*${second}\\.jpg in the extension host: the editor's WebGPU adapter \\(google swiftshader\\) is a software fallback`),
      );
      console.log(
        JSON.stringify({
          measurement: 'smart-select-encoder-webgpu-swiftshader',
          image: `${SIZE}x${SIZE}`,
          webviewMs: Number(webgpu![2]),
          pressToReadyWallMs: Math.round(wallMs),
          hostEncoderMs: Number(/embedding: encoder, (\d+) ms/.exec(host)?.[1]),
        }),
      );
    },
    { webgpu: true, settings: { 'seglab.webgpu': 'any' } },
  );
});
