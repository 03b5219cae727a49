import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { indexDataset } from '../../src/core/dataset/datasetIndex';
import { detectDataset } from '../../src/core/dataset/detect';
import { DataError } from '../../src/core/errors';
import { decodeMask } from '../../src/core/mask/codec';
import { loadModel } from '../../src/core/model/load';
import { MANIFEST_FILE } from '../../src/core/model/manifest';
import { prelabelDataset } from '../../src/core/model/prelabelDataset';
import { NodeFileSystem } from '../../src/node/nodeFileSystem';
import { createBackend } from '../../src/node/onnxBackends';
import { tempDir, writeFile } from '../core/dataset/fixtures';
import { TEST_CLASSES, testModelsDir } from '../model/testModels';
import { copyModel, makeDataset } from './fixtures';

const fs = new NodeFileSystem();

async function open(root: string) {
  return indexDataset(fs, root, (await detectDataset(fs, root))!);
}

async function load(path: string) {
  return loadModel({ fs, createBackend: (b) => createBackend('cpu', b, { threads: 1 }) }, path, { classes: TEST_CLASSES, ignoreIndex: 255, path: 'dataset' });
}

const snapshot = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));

describe('prelabelDataset', () => {
  let models: string;
  before(async () => {
    models = await testModelsDir();
  });

  test('writes one indexed PNG per image under predictions/<model>/ and never touches label masks', async (t) => {
    const root = tempDir(t);
    const { labeled, unlabeled } = makeDataset(root, 5, 2);
    const masksBefore = snapshot(join(root, 'masks'));
    const m = await load(copyModel(models, 'unet', join(root, 'models')));
    t.after(() => m.backend.release());
    const result = await prelabelDataset(fs, await open(root), m);
    assert.deepEqual(result.written, [...labeled, ...unlabeled]);
    assert.equal(result.outDir, join(root, 'predictions', 'unet'));
    assert.deepEqual(snapshot(join(root, 'masks')), masksBefore);
    for (const stem of result.written) {
      const mask = decodeMask(readFileSync(join(result.outDir, `${stem}.png`)), { path: stem, classes: TEST_CLASSES });
      assert.deepEqual([mask.width, mask.height], [40, 30]);
      assert.ok(mask.data.every((v) => v < 4));
    }
    const manifest = JSON.parse(readFileSync(join(result.outDir, MANIFEST_FILE), 'utf8'));
    assert.equal(manifest.sha256, m.sha256);
    assert.deepEqual(Object.keys(manifest.images).sort(), result.written);
    assert.ok(manifest.images.img000.meanConfidence > 0.25 && manifest.images.img000.meanConfidence <= 1);
    // The dataset index sees the predictions.
    const index = await open(root);
    assert.ok(index.images.every((e) => e.predictions.includes('unet')));
  });

  test('only unlabeled images; a re-run skips images already predicted by the same model file', async (t) => {
    const root = tempDir(t);
    const { unlabeled } = makeDataset(root, 4, 2);
    const m = await load(copyModel(models, 'unet', join(root, 'models')));
    t.after(() => m.backend.release());
    const first = await prelabelDataset(fs, await open(root), m, { onlyUnlabeled: true });
    assert.deepEqual(first.written, unlabeled);
    assert.ok(!existsSync(join(root, 'predictions', 'unet', 'img000.png')));
    // A record from another model file is predicted again.
    const manifestPath = join(first.outDir, MANIFEST_FILE);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    manifest.images[unlabeled[0]].sha256 = '0'.repeat(64);
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const second = await prelabelDataset(fs, await open(root), m, { onlyUnlabeled: true });
    assert.deepEqual(second.skipped, [unlabeled[1]]);
    assert.deepEqual(second.written, [unlabeled[0]]);
  });

  test('a broken image is reported with its path and skipped; the others are written', async (t) => {
    const root = tempDir(t);
    makeDataset(root, 3, 0);
    writeFile(join(root, 'images', 'broken.jpg'), new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const m = await load(copyModel(models, 'unet', join(root, 'models')));
    t.after(() => m.backend.release());
    const result = await prelabelDataset(fs, await open(root), m);
    assert.equal(result.written.length, 3);
    assert.equal(result.failed.length, 1);
    assert.equal(result.failed[0].path, join(root, 'images', 'broken.jpg'));
    assert.match(result.failed[0].message, /cannot decode image/);
  });

  test('cancelling leaves only complete prediction files and a manifest that lists exactly them', async (t) => {
    const root = tempDir(t);
    makeDataset(root, 6, 0);
    const m = await load(copyModel(models, 'unet', join(root, 'models')));
    t.after(() => m.backend.release());
    const controller = new AbortController();
    const result = await prelabelDataset(fs, await open(root), m, {
      signal: controller.signal,
      onProgress: ({ done }) => {
        if (done === 2) controller.abort();
      },
    });
    assert.equal(result.cancelled, true);
    assert.deepEqual(result.written, ['img000', 'img001']);
    const files = readdirSync(result.outDir).sort();
    assert.deepEqual(files, [MANIFEST_FILE, 'img000.png', 'img001.png']);
    for (const f of files.filter((f) => f.endsWith('.png'))) decodeMask(readFileSync(join(result.outDir, f)), { path: f, classes: TEST_CLASSES });
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(join(result.outDir, MANIFEST_FILE), 'utf8')).images).sort(), result.written);
  });

  test('an output folder inside the label masks folder is refused before anything is written', async (t) => {
    const root = tempDir(t);
    makeDataset(root, 2, 2);
    const before = snapshot(join(root, 'masks'));
    const m = await load(copyModel(models, 'unet', join(root, 'models')));
    t.after(() => m.backend.release());
    await assert.rejects(
      prelabelDataset(fs, await open(root), m, { outDir: join(root, 'masks') }),
      (e: unknown) => e instanceof DataError && /label masks folder/.test(e.message),
    );
    assert.deepEqual(snapshot(join(root, 'masks')), before);
  });

  test('a model without a card runs with the stated defaults', async (t) => {
    const root = tempDir(t);
    makeDataset(root, 2, 0);
    const m = await load(copyModel(models, 'unet_nocard', join(root, 'models')));
    t.after(() => m.backend.release());
    assert.equal(m.cardPath, undefined);
    assert.equal(m.model.name, 'unet_nocard');
    assert.match(m.model.defaults.join('\n'), /ImageNet mean\/std on 0-1 RGB/);
    assert.match(m.model.defaults.join('\n'), /dataset's 4 classes/);
    const result = await prelabelDataset(fs, await open(root), m);
    assert.equal(result.written.length, 2);
    assert.ok(existsSync(join(root, 'predictions', 'unet_nocard', 'img001.png')));
  });
});
