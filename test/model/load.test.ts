import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { DataError } from '../../src/core/errors';
import { decodeImage } from '../../src/core/model/image';
import { loadModel } from '../../src/core/model/load';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { createBackend, sha256 } from '../../src/node/onnxBackends';
import { jpegImage, pngImage, tempDir } from '../core/dataset/fixtures';
import { TEST_CLASSES, testModelsDir } from './testModels';

const deps = { fs: new NodeFileSystem(), sha256, createBackend: (b: Uint8Array) => createBackend('cpu', b, { threads: 1 }) };
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
  await assert.rejects(loadModel(deps, join(dir, 'fcn.onnx'), dataset), (e: unknown) => e instanceof DataError && e.path === join(dir, 'fcn.json') && /does not match fcn\.onnx/.test(e.message));
});

test('a broken .onnx or a broken card is an error naming the file', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'bad.onnx'), 'not a model');
  await assert.rejects(loadModel(deps, join(dir, 'bad.onnx'), dataset), (e: unknown) => e instanceof DataError && e.message.startsWith(`${join(dir, 'bad.onnx')}: cannot load the ONNX model`));
  copyFileSync(join(models, 'unet.onnx'), join(dir, 'unet.onnx'));
  writeFileSync(join(dir, 'unet.json'), '{"name": "unet", "architecture": "unet"');
  await assert.rejects(loadModel(deps, join(dir, 'unet.onnx'), dataset), (e: unknown) => e instanceof DataError && e.message.startsWith(`${join(dir, 'unet.json')}: not valid JSON`));
});

test('a card-less model whose channel count is symbolic is probed with one run', async () => {
  // torchvision's export leaves the channel axis symbolic ("Resizeout_dim_1"); the card-less U-Net declares it.
  const m = await loadModel(deps, join(models, 'unet_nocard.onnx'), dataset);
  assert.equal(m.model.labels.length, 4);
  await m.backend.release();
});

test('decodeImage reads JPEG and PNG to RGB and names the file otherwise', () => {
  const jpg = decodeImage(jpegImage(12, 8), 'a.jpg');
  assert.deepEqual([jpg.width, jpg.height, jpg.channels, jpg.data.length], [12, 8, 3, 12 * 8 * 3]);
  const png = decodeImage(pngImage(5, 4), 'b.png');
  assert.deepEqual([...png.data.subarray(0, 3)], [0, 13, 26]);
  assert.throws(() => decodeImage(new Uint8Array([1, 2, 3, 4]), 'c.bmp'), /^DataError: c\.bmp: not a JPEG or PNG image/);
});
