// Scenario 4b: "SegLab: Pre-label Image" in a browser with WebGPU (Chromium on SwiftShader, a software
// adapter: seglab.webgpu "any" lets it run there; "auto" would keep the model in the host): the
// model runs in the mask editor's webview, the status line says webgpu, the prediction is one
// edit that Ctrl+Z removes, a run cancelled on its progress notification changes nothing, and the
// saved labels equal the host path's prediction (native ONNX Runtime on the same image) except at
// near-ties. A model from a `seglab.models` folder outside the editor's resource roots (which the
// webview cannot fetch) travels as bytes and runs on WebGPU too. SwiftShader is a CPU emulation of a GPU: the
// demo U-Net takes 130-160 s on a 512x512 demo image there (2 cores), so the scenario pre-labels
// a 128x128 crop of one (15-25 s); the times it prints are for the closing note, not a speed
// figure. The crop is a JPEG: Chromium in the webview and the host's WASM libjpeg-turbo must decode
// it to the same pixels (jpeg-js, the host's decoder before, moved 0.5% of this crop's labels).
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as encodeJpeg } from 'jpeg-js';
import { test } from 'node:test';
import { decodeImage } from '../../src/core/model/image';
import { loadModel } from '../../src/core/model/load';
import { predict } from '../../src/core/model/pipeline';
import { createNativeBackend } from '../../src/node/onnxBackends';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { DEMO_CLASSES } from '../../scripts/demo/generate';
import { IGNORE } from '../../scripts/demo/scene';
import { QUIET_SETTINGS, writeUserSettings } from '../../scripts/tools/launch';
import { withWorkbench } from './harness';
import { classCounts, openInMaskEditor, readDemoMask, waitDirty, waitForCounts } from './maskEditor';
import { press, runCommand, selectModel } from './workbench';

const DEMO_SIZE = 512;
/** Side of the crop that is pre-labeled (a multiple of the U-Net's 16). */
const SIZE = 128;
const MODEL = 'demo-unet';
/** The same model in a folder outside the editor's resource roots. */
const OUTSIDE = 'outside-unet';
/** First run on SwiftShader, shader compilation included: about 16 s on the loaded 2-core machine. */
const WEBGPU_RUN_MS = 90_000;
/** How long a cancelled run is given to (wrongly) land: a warm run took 10-15 s here. */
const CANCELLED_WAIT_MS = 20_000;

/** images/<stem>-crop.jpg: the centre SIZE x SIZE of the demo image, unlabeled like it. */
async function writeCrop(root: string, stem: string): Promise<string> {
  const fs = new NodeFileSystem();
  const path = join(root, 'images', `${stem}.jpg`);
  const image = await decodeImage(await fs.readFile(path), path);
  const rgba = new Uint8Array(SIZE * SIZE * 4).fill(255);
  const off = (DEMO_SIZE - SIZE) / 2;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) for (let c = 0; c < 3; c++) rgba[(y * SIZE + x) * 4 + c] = image.data[((y + off) * image.width + x + off) * 3 + c];
  }
  const crop = `${stem}-crop`;
  writeFileSync(join(root, 'images', `${crop}.jpg`), encodeJpeg({ width: SIZE, height: SIZE, data: rgba }, 90).data);
  return crop;
}

/** The host path's prediction (HostPredictor's code: native ONNX Runtime, the image decoded in Node) and its time. */
async function hostPrediction(root: string, stem: string) {
  const fs = new NodeFileSystem();
  const loaded = await loadModel({ fs, createBackend: (bytes) => createNativeBackend(bytes) }, join(root, 'models', `${MODEL}.onnx`), {
    classes: DEMO_CLASSES,
    ignoreIndex: IGNORE,
    path: root,
  });
  try {
    const imagePath = join(root, 'images', `${stem}.jpg`);
    const image = await decodeImage(await fs.readFile(imagePath), imagePath);
    await predict(image, loaded.model, loaded.backend); // warm-up, as the extension's session is after its first run
    const start = performance.now();
    const p = await predict(image, loaded.model, loaded.backend, { keepLogits: true });
    return { ...p, milliseconds: performance.now() - start };
  } finally {
    await loaded.backend.release();
  }
}

/** SwiftShader is a software adapter, which seglab.webgpu's default leaves to the host. */
const ANY_ADAPTER = { 'seglab.webgpu': 'any' };

test("Pre-label Image runs on WebGPU in the editor, as one undoable edit equal to the host path's prediction", async () => {
  await withWorkbench(
    'prelabelImageWebgpu',
    async ({ page, dataset, userDataDir }) => {
      // A `seglab.models` folder outside the workspace with a copy of the model, set up first so
      // that the settings watcher has long seen it when the model is picked.
      const outside = join(userDataDir, '..', 'outside-models');
      mkdirSync(outside);
      copyFileSync(join(dataset.root, 'models', `${MODEL}.onnx`), join(outside, `${OUTSIDE}.onnx`));
      const card = JSON.parse(readFileSync(join(dataset.root, 'models', `${MODEL}.json`), 'utf8'));
      writeFileSync(join(outside, `${OUTSIDE}.json`), JSON.stringify({ ...card, name: OUTSIDE }));
      // machine-overridable: code-server's remote window reads it from the Machine settings.
      writeUserSettings(userDataDir, { ...QUIET_SETTINGS, ...ANY_ADAPTER, 'seglab.models': [outside] }, true);
      mkdirSync(join(userDataDir, 'Machine'), { recursive: true });
      writeFileSync(join(userDataDir, 'Machine', 'settings.json'), JSON.stringify({ ...ANY_ADAPTER, 'seglab.models': [outside] }));
      const stem = await writeCrop(dataset.root, dataset.unlabeled[0]);
      const editor = await openInMaskEditor(page, `${stem}.jpg`, SIZE);
      const before = await waitForCounts(editor, (c) => c.get(0) === SIZE * SIZE, 'an unlabeled image is all background');
      await selectModel(page, MODEL);

      const started = performance.now();
      await runCommand(page, 'SegLab: Pre-label Image');
      const status = editor.frame.locator('#status', { hasText: 'Pre-labeled with' });
      await status.waitFor({ timeout: WEBGPU_RUN_MS });
      const wallMs = performance.now() - started;
      const text = (await status.textContent()) ?? '';
      const ran = /Pre-labeled with (\S+) in (\d+) ms/.exec(text);
      assert.equal(ran?.[1], 'webgpu', `the status line names the provider: ${text}`);
      const after = await waitForCounts(editor, (c) => (c.get(0) ?? 0) < SIZE * SIZE, 'the prediction labels some pixels');
      await waitDirty(page, true);

      await page.locator('.tabs-container .tab.active').click();
      await press(page, 'Control+z');
      await waitForCounts(editor, (c) => c.get(0) === before.get(0), 'one undo restores all background');
      await waitDirty(page, false);

      await runCommand(page, 'SegLab: Pre-label Image');
      const progress = page.locator('.notification-toast', { hasText: 'Pre-labeling' });
      await progress.getByRole('button', { name: 'Cancel' }).click();
      await progress.waitFor({ state: 'hidden' });
      await new Promise((r) => setTimeout(r, CANCELLED_WAIT_MS));
      assert.equal((await classCounts(editor)).get(0), SIZE * SIZE, 'a cancelled run changes no pixel');
      assert.equal(await page.locator('.tabs-container .tab.active.dirty').count(), 0, 'a cancelled run leaves the mask clean');

      await page.locator('.tabs-container .tab.active').click();
      await press(page, 'Control+Shift+z');
      await waitForCounts(editor, (c) => c.get(0) === after.get(0), 'redo brings the prediction back');
      await press(page, 'Control+s');
      await waitDirty(page, false);

      const saved = readDemoMask(dataset.root, stem);
      const host = await hostPrediction(dataset.root, stem);
      // Where the labels differ, the host's logits of the two classes must be a near-tie.
      const n = host.labels.length;
      let differing = 0;
      let widestGap = 0;
      for (let i = 0; i < n; i++) {
        if (saved.data[i] === host.labels[i]) continue;
        differing++;
        widestGap = Math.max(widestGap, Math.abs(host.logits![host.labels[i] * n + i] - host.logits![saved.data[i] * n + i]));
      }
      console.log(
        JSON.stringify({
          measurement: 'prelabel-image-webgpu-vs-host',
          model: MODEL,
          size: SIZE,
          webgpuSwiftShaderFirstRunMs: Number(ran![2]),
          commandWallMs: Math.round(wallMs),
          hostNativeWarmMs: Math.round(host.milliseconds),
          differingPixels: differing,
          widestGap,
        }),
      );
      assert.ok(widestGap < 1e-2, `${differing} of ${n} pixels differ from the host path's prediction, with logit gaps up to ${widestGap}`);

      // The same model from the folder outside the workspace: sent as bytes, still run on WebGPU
      // (a failed fetch would have fallen back to the host, which the status line would name).
      await selectModel(page, OUTSIDE);
      await page.locator('.tabs-container .tab.active').click();
      await press(page, 'Control+z');
      await waitForCounts(editor, (c) => c.get(0) === before.get(0), 'undo after the save restores all background');
      await waitDirty(page, true);
      await editor.frame.locator('#status').evaluate((e) => (e.textContent = '')); // the first run's line
      await runCommand(page, 'SegLab: Pre-label Image');
      const again = editor.frame.locator('#status', { hasText: 'Pre-labeled with' });
      await again.waitFor({ timeout: WEBGPU_RUN_MS });
      assert.match((await again.textContent()) ?? '', /Pre-labeled with webgpu in \d+ ms/);
      await waitForCounts(editor, (c) => c.get(0) === after.get(0), 'the model sent as bytes labels the same pixels');
    },
    { webgpu: true, settings: ANY_ADAPTER },
  );
});
