/**
 * "Add Model…" for a model with more output channels than the dataset has classes (the compatibility
 * suite's superset model: R, G, B, "cat", "dog" logits; ONNX carries no class names): the card gets
 * class_0..class_4 and the explicit classMap of the answers (which model channel feeds each dataset
 * class), the model becomes active, and pre-labeling the dataset gives the known answer, with the
 * model classes nobody picked unlabeled. The answers are given as the command's arguments (the
 * questions stay the default).
 */
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode as decodePng, encode as encodePng } from 'fast-png';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { DatasetState } from '../../src/dataset/datasetState';
import type { SegLabApi } from '../../src/extension';
import { writeFile } from '../core/dataset/fixtures';
import { COMPAT_CLASSES, COMPAT_SIZES, compatImage, wrongPixels } from '../model/compatModels';
import { testModelsDir } from '../model/testModels';
import { datasetNode, seglab } from './helpers';

describe('Add Model… with more model channels than dataset classes', function () {
  this.timeout(300_000);
  let api: SegLabApi;
  let root: string;
  let downloads: string;

  before(async () => {
    api = await seglab();
    root = mkdtempSync(join(tmpdir(), 'seglab-superset-'));
    downloads = mkdtempSync(join(tmpdir(), 'seglab-superset-model-'));
    writeFile(join(root, 'seglab.json'), JSON.stringify({ name: 'superset', classes: COMPAT_CLASSES }));
    for (const [w, h] of COMPAT_SIZES)
      writeFile(join(root, 'images', `img${w}x${h}.png`), encodePng({ width: w, height: h, data: compatImage(w, h).data, channels: 3, depth: 8 }));
    // The .onnx alone: a card next to it would be copied instead of proposed.
    copyFileSync(join(await testModelsDir(), 'compat', 'superset.onnx'), join(downloads, 'voc-like.onnx'));
  });

  after(async () => {
    if (root) await vscode.commands.executeCommand('seglab.removeDataset', vscode.Uri.file(root));
    for (const dir of [root, downloads]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes class_0..class_4 with the explicit classMap of the answers; pre-labeling gives the known answer', async () => {
    const dataset = await vscode.commands.executeCommand<DatasetState | undefined>('seglab.openDataset', vscode.Uri.file(root));
    assert.ok(dataset);
    await api.whenIdle();
    // red <- model channel 0 (R), green <- channel 1 (G); background and blue: no model class.
    await vscode.commands.executeCommand('seglab.addModel', datasetNode(api, 'superset'), {
      files: [vscode.Uri.file(join(downloads, 'voc-like.onnx'))],
      name: 'voc-like',
      card: { architecture: 'other', normalisation: 'unit', feeds: { 1: 0, 2: 1 } },
    });
    const card = JSON.parse(readFileSync(join(root, 'models', 'voc-like.json'), 'utf8'));
    assert.deepEqual(
      card.classes.map((c: { name: string }) => c.name),
      ['class_0', 'class_1', 'class_2', 'class_3', 'class_4'],
    );
    assert.deepEqual(card.classMap, { 0: 1, 1: 2, 2: null, 3: null, 4: null });
    assert.equal(api.models.activeName, 'voc-like');
    await vscode.commands.executeCommand('seglab.prelabelDataset', datasetNode(api, 'superset'), { onlyUnlabeled: true, where: 'here' });
    for (const [w, h] of COMPAT_SIZES) {
      const png = decodePng(readFileSync(join(root, 'predictions', 'voc-like', `img${w}x${h}.png`)));
      const result = wrongPixels('superset', compatImage(w, h), png.data);
      assert.equal(result.wrong, 0, `img${w}x${h}: ${result.first.join('; ')}`);
    }
  });
});
