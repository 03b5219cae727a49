/**
 * Smart Select's models in VS Code, with the known-answer SAM-signature pair
 * (scripts/models/build_promptable_models.py) on a small demo dataset (scripts/demo/generate.ts,
 * 5 images, one unlabeled): "Add Model…" takes the encoder and decoder picked together (in either
 * order) or their folder, writes the promptable card and makes it the active Smart Select model,
 * and refuses a pair that is not SAM's naming the file; "Prepare Smart Select for Dataset" computes
 * the embeddings of the unlabeled images, then of all, into the extension's cache, a second run
 * computes none, and an image that does not decode is reported by name.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { SegLabApi } from '../../src/extension';
import { deserializeEmbeddings } from '../../src/core/model/promptable/embeddingCache';
import type { PrepareReport } from '../../src/smartSelect/prepareSmartSelect';
import { promptableModelsDir } from '../model/testModels';
import { datasetNode, seglab } from './helpers';

const IMAGES = 5;
const DEMO_NAME = 'Microscopy demo';

describe('Smart Select models', function () {
  this.timeout(300_000);
  let api: SegLabApi;
  let root: string;
  let downloads: string;
  const failures: string[] = [];

  before(async () => {
    api = await seglab();
    api.onDidReportFailure((message) => failures.push(message));
    root = mkdtempSync(join(tmpdir(), 'seglab-smart-select-'));
    const repo = vscode.extensions.getExtension('seglab.seglab')!.extensionPath;
    const demo = spawnSync('node', ['--import', 'tsx', 'scripts/demo/generate.ts', join(root, 'demo'), '--count', String(IMAGES)], {
      cwd: repo,
      encoding: 'utf8',
    });
    assert.equal(demo.status, 0, demo.stderr);
    downloads = join(root, 'downloads');
    mkdirSync(downloads);
    const models = await promptableModelsDir();
    for (const part of ['encoder', 'decoder']) copyFileSync(join(models, `sam_test.${part}.onnx`), join(downloads, `sam_test.${part}.onnx`));
    assert.ok(await vscode.commands.executeCommand('seglab.openDataset', vscode.Uri.file(join(root, 'demo'))));
    await api.whenIdle();
  });

  after(async () => {
    if (!root) return;
    await vscode.commands.executeCommand('seglab.removeDataset', vscode.Uri.file(join(root, 'demo')));
    rmSync(root, { recursive: true, force: true });
  });

  const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
  const addModel = (files: string[], name: string) =>
    vscode.commands.executeCommand('seglab.addModel', datasetNode(api, DEMO_NAME), { files: files.map((f) => vscode.Uri.file(f)), name });

  it('Add Model… recognises a SAM encoder and decoder picked together and makes them the Smart Select model', async () => {
    // The decoder first: the files say which is which.
    await addModel([join(downloads, 'sam_test.decoder.onnx'), join(downloads, 'sam_test.encoder.onnx')], 'sam-test');
    assert.deepEqual(failures, []);
    const folder = join(root, 'demo', 'models');
    const card = JSON.parse(readFileSync(join(folder, 'sam-test.json'), 'utf8'));
    assert.equal(card.kind, 'promptable');
    assert.equal(card.family, 'sam');
    assert.equal(card.encoder.file, 'sam-test.encoder.onnx');
    assert.equal(card.decoder.file, 'sam-test.decoder.onnx');
    assert.equal(card.encoder.sha256, sha256(join(downloads, 'sam_test.encoder.onnx')));
    assert.equal(card.decoder.sha256, sha256(join(folder, 'sam-test.decoder.onnx')));
    assert.deepEqual(card.encoder.input, {
      name: 'image',
      layout: 'NCHW',
      dtype: 'float32',
      size: 1024,
      mean: [123.675, 116.28, 103.53],
      std: [58.395, 57.12, 57.375],
    });
    assert.deepEqual(card.embeddings, { image_embeddings: 'image_embeddings' });
    assert.equal((await api.models.activePromptable())?.name, 'sam-test');
    assert.ok(!(await api.models.list()).some((m) => m.name.startsWith('sam-test')), 'the pair is no pre-labeling model');
  });

  it('Add Model… takes a folder holding the pair, and refuses files that are not a SAM pair, naming the file', async () => {
    await addModel([downloads], 'sam-folder');
    assert.deepEqual(failures, []);
    assert.ok(existsSync(join(root, 'demo', 'models', 'sam-folder.json')));
    assert.equal((await api.models.activePromptable())?.name, 'sam-folder');

    const encoderTwice = join(root, 'other.onnx');
    copyFileSync(join(downloads, 'sam_test.encoder.onnx'), encoderTwice);
    await addModel([join(downloads, 'sam_test.encoder.onnx'), encoderTwice], 'broken');
    assert.equal(failures.length, 1);
    assert.match(failures[0], /other\.onnx|sam_test\.encoder\.onnx/);
    assert.match(failures[0], /not SAM's prompt decoder signature/);
    assert.ok(!existsSync(join(root, 'demo', 'models', 'broken.json')));
    failures.length = 0;
  });

  it('Prepare Smart Select computes the embeddings once into the cache, unlabeled images or all', async () => {
    const prepare = (images: 'all' | 'unlabeled') =>
      vscode.commands.executeCommand<PrepareReport>('seglab.prepareSmartSelect', vscode.Uri.file(join(root, 'demo')), { images, where: 'here' });
    const unlabeled = await prepare('unlabeled');
    assert.deepEqual(failures, []);
    assert.deepEqual([unlabeled.computed, unlabeled.cached, unlabeled.failed], [1, 0, []]);
    const all = await prepare('all');
    assert.deepEqual([all.computed, all.cached, all.failed], [IMAGES - 1, 1, []]);
    const encoder = sha256(join(downloads, 'sam_test.encoder.onnx'));
    const entries = readdirSync(all.cacheFolder).filter((f) => f.startsWith(encoder) && f.endsWith('.emb'));
    assert.equal(entries.length, IMAGES, `${IMAGES} embeddings of this encoder in ${all.cacheFolder}`);
    const again = await prepare('all');
    assert.deepEqual([again.computed, again.cached, again.failed], [0, IMAGES, []]);
  });

  it('Prepare Smart Select cancelled midway stops, keeps what it cached, and leaves no half-written entry', async () => {
    const prepare = (options: Record<string, unknown>) =>
      vscode.commands.executeCommand<PrepareReport>('seglab.prepareSmartSelect', vscode.Uri.file(join(root, 'demo')), {
        images: 'all',
        where: 'here',
        ...options,
      });
    // A script's cancel, requested when the loop checks before image number `after + 1` (as the notification's Cancel is checked).
    const cancelAfter = (after: number) => {
      let checks = 0;
      return {
        get isCancellationRequested() {
          return ++checks > after;
        },
        onCancellationRequested: new vscode.EventEmitter<void>().event,
      };
    };
    const folder = (await prepare({ token: cancelAfter(0) })).cacheFolder;
    const encoder = sha256(join(downloads, 'sam_test.encoder.onnx'));
    const ours = () => readdirSync(folder).filter((f) => f.startsWith(encoder));
    for (const f of ours()) rmSync(join(folder, f));
    // The host also keeps its last images' embeddings in memory: a changed card reloads the model without them.
    const card = (await api.models.activePromptable())!.uri.fsPath;
    const later = new Date(Date.now() + 2000);
    utimesSync(card, later, later);
    const cancelled = await prepare({ token: cancelAfter(2) });
    assert.deepEqual([cancelled.cancelled, cancelled.computed, cancelled.cached, cancelled.failed], [true, 2, 0, []]);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(ours().length, 2, 'nothing computed after the cancel');
    // A half-written entry would be a temporary file (.<key>.emb.<random>.tmp, writeFileAtomic) or an entry that does not decode.
    assert.deepEqual(
      readdirSync(folder).filter((f) => !f.endsWith('.emb')),
      [],
      `only whole entries in ${folder}`,
    );
    for (const f of ours()) {
      const e = deserializeEmbeddings(new Uint8Array(readFileSync(join(folder, f))), f);
      assert.deepEqual(e.tensors.image_embeddings.dims, [1, 256, 64, 64]);
    }
    const rest = await prepare({});
    assert.deepEqual([rest.cancelled, rest.computed, rest.cached], [false, IMAGES - 2, 2]);
  });

  it('Prepare Smart Select names the images it could not encode and goes on with the others', async () => {
    writeFileSync(join(root, 'demo', 'images', 'broken.png'), 'not a PNG');
    await vscode.commands.executeCommand('seglab.refresh');
    await api.whenIdle();
    const report = await vscode.commands.executeCommand<PrepareReport>('seglab.prepareSmartSelect', vscode.Uri.file(join(root, 'demo')), {
      images: 'unlabeled',
      where: 'here', // a backend token stored by an earlier suite would otherwise make it ask where
    });
    assert.deepEqual([report.computed, report.cached], [0, 1]);
    assert.equal(report.failed.length, 1);
    assert.match(report.failed[0].image, /broken\.png$/);
  });
});
