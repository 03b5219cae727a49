/**
 * "Train as you label" in the extension, on the real local backend ("SegLab: Start Local Training
 * Backend" with Debian's PyTorch): after N saved masks a round fine-tunes the active model; the
 * better model becomes active and pre-labels the unlabeled images, a worse one (trained on spoiled
 * labels) does not. The masks' saves reach the loop as the mask editor's save event does
 * (ContinuousTraining.countSave).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { DatasetState } from '../../src/dataset/datasetState';
import type { SegLabApi } from '../../src/extension';
import type { ContinuousTraining } from '../../src/training/continuousTraining';
import { splitLabeled } from '../../src/training/packageDataset';
import { indexedMask, writeFile } from '../core/dataset/fixtures';
import { freePort, makeShapesDataset, PYTHON, serviceUnavailable } from '../training/fixtures';
import { seglab } from './helpers';

const EVERY = 2;
const SETTINGS = ['python', 'backendUrl', 'continuous', 'continuousEvery', 'continuousMinutes'];
/** Each round's time budget (seglab.training.continuousMinutes). */
const MINUTES = 0.5;

/** A model trained by the trainer's CLI into the dataset's models/ folder as `name`. */
function trainWithCli(name: string, options: string[]): void {
  const out = join(root, `${name}-run`);
  const backend = join(vscode.extensions.getExtension('seglab.seglab')!.extensionPath, 'backend');
  const args = [
    '-m',
    'seglab_trainer',
    'train',
    '--data',
    root,
    '--out',
    out,
    '--arch',
    'unet',
    '--unet-base',
    '8',
    '--unet-depth',
    '2',
    '--image-size',
    '64',
    '--batch-size',
    '4',
  ];
  const run = spawnSync(PYTHON, [...args, ...options], { cwd: backend, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  writeFile(join(root, 'models', `${name}.onnx`), readFileSync(join(out, 'model.onnx')));
  writeFile(join(root, 'models', `${name}.json`), JSON.stringify({ ...JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')), name }));
  rmSync(out, { recursive: true, force: true });
}

let root: string;

describe('Train as you label', function () {
  this.timeout(600_000);
  let api: SegLabApi;
  let loop: ContinuousTraining;
  let dataset: DatasetState;

  before(async function () {
    if (serviceUnavailable()) return this.skip();
    api = await seglab();
    assert.ok(api.continuous);
    loop = api.continuous;
    root = mkdtempSync(join(tmpdir(), 'seglab-continuous-'));
    makeShapesDataset(root, 16, 2);
    // The first active model learned nothing (one epoch at a tiny learning rate); "good" learned the shapes.
    trainWithCli('seed', ['--epochs', '1', '--lr', '1e-7']);
    trainWithCli('good', ['--epochs', '15', '--lr', '1e-2']);

    const config = vscode.workspace.getConfiguration('seglab.training');
    await config.update('python', PYTHON, vscode.ConfigurationTarget.Global);
    await config.update('backendUrl', `http://127.0.0.1:${await freePort()}`, vscode.ConfigurationTarget.Global);
    await config.update('continuous', true, vscode.ConfigurationTarget.Global);
    await config.update('continuousEvery', EVERY, vscode.ConfigurationTarget.Global);
    await config.update('continuousMinutes', MINUTES, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('seglab.startBackend');
    const opened = await vscode.commands.executeCommand<DatasetState | undefined>('seglab.openDataset', vscode.Uri.file(root));
    assert.ok(opened);
    dataset = opened;
    await api.whenIdle();
    const seed = (await api.models.list()).find((m) => m.name === 'seed');
    assert.ok(seed, 'the seed model is listed');
    await api.models.setActive(seed);
  });

  after(async () => {
    if (!root) return;
    const config = vscode.workspace.getConfiguration('seglab.training');
    for (const key of SETTINGS) await config.update(key, undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('seglab.removeDataset', vscode.Uri.file(root));
    rmSync(root, { recursive: true, force: true });
  });

  /** Saves EVERY masks; the last one starts a round, which this waits for; `shown`: the status bar's texts meanwhile. */
  async function saveMasksAndWait() {
    const before = loop.lastRound;
    for (let i = 0; i < EVERY - 1; i++) await loop.countSave(dataset.uri);
    assert.equal(loop.lastRound, before, `no round before ${EVERY} saves`);
    await loop.countSave(dataset.uri);
    assert.notEqual(loop.lastRound, before, `a round starts at the ${EVERY}th save`);
    const shown = new Set<string>();
    const sample = setInterval(() => shown.add(loop.statusText), 100);
    const result = await loop.lastRound?.finally(() => clearInterval(sample));
    assert.ok(result?.verdict && result.model, `the round ended with a measured model: job ${result?.job.state ?? '?'} ${result?.job.error ?? ''}`);
    assert.equal(result.job.params.minutes, MINUTES, 'the round has the time budget of seglab.training.continuousMinutes');
    return { ...result, verdict: result.verdict, model: result.model, shown: [...shown] };
  }

  it('after N saved masks fine-tunes the active model and activates the better model', async () => {
    const round = await saveMasksAndWait();
    assert.equal(round.job.initJob ?? null, null, 'the seed was not trained by this backend: new weights built like it');
    assert.equal(round.verdict.activate, true, round.verdict.reason);
    assert.equal(api.models.activeName, round.model.name);
    assert.ok(
      round.shown.some((t) => /training… \d+:\d\d left/.test(t)),
      `the status bar counted down while the round trained: ${round.shown.join(' | ')}`,
    );
    assert.match(loop.statusText, /model v\d+ · \+\d\.\d{2,3} mIoU$/);
    const unlabeled = dataset.index?.images.filter((e) => !e.mask) ?? [];
    assert.equal(unlabeled.length, 2);
    for (const e of unlabeled) assert.ok(existsSync(join(root, 'predictions', round.model.name, `${e.stem}.png`)), `the new model pre-labeled ${e.stem}`);
  });

  it('keeps the active model when the new one is worse on the same val images', async () => {
    const good = (await api.models.list()).find((m) => m.name === 'good');
    assert.ok(good);
    await api.models.setActive(good);
    const active = api.models.activeName;
    // Labels gone wrong: every training mask says background; the val masks stay true.
    const index = dataset.index;
    assert.ok(index);
    for (const e of splitLabeled(index).train) writeFile(join(root, e.mask ?? ''), indexedMask(64, 64, new Uint8Array(64 * 64)));
    await vscode.commands.executeCommand('seglab.refresh');
    await api.whenIdle();
    const round = await saveMasksAndWait();
    assert.equal(round.verdict.activate, false, round.verdict.reason);
    assert.match(round.verdict.reason, /is not above/);
    assert.equal(api.models.activeName, active);
    assert.match(loop.statusText, /not used · -\d\.\d{2,3} mIoU$/, 'the status bar says the new model was not used');
  });
});
