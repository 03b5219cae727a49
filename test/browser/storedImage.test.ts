// The mask editor's image in Chromium, for JPEGs with each EXIF orientation (made by Pillow): the
// browser applies the tag when it decodes; storedImage draws the pixels back onto the stored grid,
// which must equal libjpeg-turbo's decode of the file without the tag (the host's and the trainer's).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { decodeImage } from '../../src/core/model/image';
import { tempDir } from '../core/dataset/fixtures';
import { CHROMIUM_ARGS } from './harness';

const PYTHON = '/usr/bin/python3';
let browser: Browser;
let page: Page;

before(async () => {
  const bundle = await esbuild.build({
    entryPoints: ['webview/maskEditor/storedImage.ts'],
    bundle: true,
    format: 'iife',
    globalName: 'seglab',
    platform: 'browser',
    write: false,
  });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
  page = await browser.newPage();
  await page.addScriptTag({ content: bundle.outputFiles[0].text });
});

after(async () => {
  await browser?.close();
});

test(
  'an EXIF-oriented JPEG is shown on its stored pixel grid, pixel for pixel, for all 8 orientations',
  { skip: !existsSync(PYTHON) && `no ${PYTHON}` },
  async (t) => {
    const dir = tempDir(t);
    execFileSync(PYTHON, [
      '-c',
      `
import sys, numpy as np
from PIL import Image
y, x = np.mgrid[0:30, 0:41]
rgb = np.stack([x * 6, y * 8, (x * y) % 256], -1).astype(np.uint8)
for tag in range(1, 9):
    im = Image.fromarray(rgb)
    exif = im.getexif()
    exif[0x0112] = tag
    im.save(f"{sys.argv[1]}/o{tag}.jpg", quality=95, exif=exif.tobytes())
`,
      dir,
    ]);
    for (let tag = 1; tag <= 8; tag++) {
      const bytes = readFileSync(join(dir, `o${tag}.jpg`));
      const expected = await decodeImage(bytes, `o${tag}.jpg`);
      const shown = await page.evaluate(async (arr) => {
        const w = window as unknown as { seglab: { storedImage(b: Uint8Array): Promise<ImageBitmap> } };
        const bitmap = await w.seglab.storedImage(new Uint8Array(arr));
        const ctx = new OffscreenCanvas(bitmap.width, bitmap.height).getContext('2d') as OffscreenCanvasRenderingContext2D;
        ctx.drawImage(bitmap, 0, 0);
        return { width: bitmap.width, height: bitmap.height, rgba: Array.from(ctx.getImageData(0, 0, bitmap.width, bitmap.height).data) };
      }, Array.from(bytes));
      assert.deepEqual([shown.width, shown.height], [41, 30], `orientation ${tag}: the stored size`);
      let differing = 0;
      for (let i = 0; i < 41 * 30; i++) {
        for (let c = 0; c < 3; c++) if (shown.rgba[i * 4 + c] !== expected.data[i * 3 + c]) differing++;
      }
      assert.equal(differing, 0, `orientation ${tag}: samples that differ from the stored pixels`);
    }
  },
);
