import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { DataError } from '../../src/core/errors';
import { decodeImage } from '../../src/core/model/image';
import { loadModel } from '../../src/core/model/load';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { createBackend } from '../../src/node/onnxBackends';
import { jpegImage, pngImage, tempDir } from '../core/dataset/fixtures';
import { TEST_CLASSES, testModelsDir } from './testModels';

const PYTHON = '/usr/bin/python3';
const deps = { fs: new NodeFileSystem(), createBackend: (b: Uint8Array) => createBackend('cpu', b, { threads: 1 }) };
const dataset = { classes: TEST_CLASSES, ignoreIndex: 255, path: 'd' };
let models: string;
before(async () => {
  models = await testModelsDir();
});

test('a card written for another export (sha256) is refused, naming the card', async (t) => {
  const dir = tempDir(t);
  copyFileSync(join(models, 'fcn.onnx'), join(dir, 'fcn.onnx'));
  const card = JSON.parse(readFileSync(join(models, 'fcn.json'), 'utf8'));
  card.sha256 = 'f'.repeat(64);
  writeFileSync(join(dir, 'fcn.json'), JSON.stringify(card));
  await assert.rejects(
    loadModel(deps, join(dir, 'fcn.onnx'), dataset),
    (e: unknown) => e instanceof DataError && e.path === join(dir, 'fcn.json') && /does not match fcn\.onnx/.test(e.message),
  );
});

test('a broken .onnx or a broken card is an error naming the file', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'bad.onnx'), 'not a model');
  await assert.rejects(
    loadModel(deps, join(dir, 'bad.onnx'), dataset),
    (e: unknown) => e instanceof DataError && e.message.startsWith(`${join(dir, 'bad.onnx')}: cannot load the ONNX model`),
  );
  copyFileSync(join(models, 'unet.onnx'), join(dir, 'unet.onnx'));
  writeFileSync(join(dir, 'unet.json'), '{"name": "unet", "architecture": "unet"');
  await assert.rejects(
    loadModel(deps, join(dir, 'unet.onnx'), dataset),
    (e: unknown) => e instanceof DataError && e.message.startsWith(`${join(dir, 'unet.json')}: not valid JSON`),
  );
});

test('a card-less model whose channel count is symbolic is probed with one run', async () => {
  // torchvision's export leaves the channel axis symbolic ("Resizeout_dim_1"); the card-less U-Net declares it.
  const m = await loadModel(deps, join(models, 'unet_nocard.onnx'), dataset);
  assert.equal(m.model.labels.length, 4);
  await m.backend.release();
});

test('decodeImage reads JPEG and PNG to RGB and names the file otherwise', async () => {
  const jpg = await decodeImage(jpegImage(12, 8), 'a.jpg');
  assert.deepEqual([jpg.width, jpg.height, jpg.channels, jpg.data.length], [12, 8, 3, 12 * 8 * 3]);
  const png = await decodeImage(pngImage(5, 4), 'b.png');
  assert.deepEqual([...png.data.subarray(0, 3)], [0, 13, 26]);
  await assert.rejects(decodeImage(new Uint8Array([1, 2, 3, 4]), 'c.bmp'), /^DataError: c\.bmp: not a JPEG or PNG image/);
  const truncated = jpegImage(64, 64).subarray(0, 300);
  await assert.rejects(decodeImage(truncated, 'd.jpg'), /^DataError: d\.jpg: cannot decode image/);
  // The decoder still works after an error.
  assert.equal((await decodeImage(jpegImage(12, 8), 'a.jpg')).width, 12);
});

test(
  "a JPEG decodes to exactly Pillow's pixels (the trainer's decoder): RGB 4:2:0, 4:4:4 progressive, grayscale; CMYK is refused by name",
  { skip: !existsSync(PYTHON) && `no ${PYTHON}` },
  async (t) => {
    const dir = tempDir(t);
    // Each JPEG with Pillow's own decode of it beside it (raw RGB).
    execFileSync(PYTHON, [
      '-c',
      `
import numpy as np, sys
from PIL import Image
rng = np.random.default_rng(1)
y, x = np.mgrid[0:61, 0:83]
rgb = np.stack([(x * 3) % 256, (y * 4) % 256, (x * y) % 256], -1).astype(np.uint8)
rgb = np.clip(rgb.astype(int) + rng.integers(-20, 20, rgb.shape), 0, 255).astype(np.uint8)
d = sys.argv[1]
Image.fromarray(rgb).save(d + '/rgb420.jpg', quality=85)
Image.fromarray(rgb).save(d + '/rgb444p.jpg', quality=92, subsampling=0, progressive=True)
Image.fromarray(rgb[..., 0]).save(d + '/gray.jpg', quality=90)
Image.fromarray(rgb).convert('CMYK').save(d + '/cmyk.jpg')
Image.new('RGB', (4100, 4000), (10, 200, 30)).save(d + '/big.jpg')
for n in ('rgb420', 'rgb444p', 'gray'):
    open(d + '/' + n + '.rgb', 'wb').write(np.asarray(Image.open(d + '/' + n + '.jpg').convert('RGB')).tobytes())
`,
      dir,
    ]);
    for (const name of ['rgb420', 'rgb444p', 'gray']) {
      const image = await decodeImage(readFileSync(join(dir, `${name}.jpg`)), `${name}.jpg`);
      assert.deepEqual([image.width, image.height], [83, 61], name);
      assert.ok(Buffer.from(image.data).equals(readFileSync(join(dir, `${name}.rgb`))), `${name}: the same pixels as Pillow`);
    }
    await assert.rejects(
      decodeImage(readFileSync(join(dir, 'cmyk.jpg')), 'cmyk.jpg'),
      /^DataError: cmyk\.jpg: 4-channel \(CMYK\) JPEG images are not supported/,
    );
    // Over 16 Mpx the decoder's module is dropped after the image (to free its memory); the next one loads it again.
    const big = await decodeImage(readFileSync(join(dir, 'big.jpg')), 'big.jpg');
    assert.deepEqual([big.width, big.height, ...big.data.subarray(0, 3)], [4100, 4000, 10, 200, 30]);
    const again = await decodeImage(readFileSync(join(dir, 'rgb420.jpg')), 'rgb420.jpg');
    assert.ok(Buffer.from(again.data).equals(readFileSync(join(dir, 'rgb420.rgb'))));
  },
);
