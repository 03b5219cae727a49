/**
 * Fine-tune Model… with seglab.training.alsoTrainClickModel, in the extension, against the real local
 * backend ("SegLab: Start Local Training Backend" with Debian's PyTorch), at a tiny budget: after the
 * pre-labeling model's job a second job trains the click model on the same upload; the new
 * segmentation model is the active pre-labeling model and the new clicks card the Smart Select model.
 * A click job that fails (labels with no region big enough to click on) is reported with its reason
 * and leaves the new pre-labeling model installed and the Smart Select model as it was.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { DatasetState } from '../../src/dataset/datasetState';
import type { SegLabApi } from '../../src/extension';
import type { FineTuneArgs } from '../../src/training/fineTuneCommand';
import { indexedMask, writeFile } from '../core/dataset/fixtures';
import { freePort, makeShapesDataset, PYTHON, serviceUnavailable } from '../training/fixtures';
import { seglab } from './helpers';

const SETTINGS = ['python', 'backendUrl', 'alsoTrainClickModel'];
/** The dialog's answers: the smallest U-Net, one epoch each. */
const ARGS: FineTuneArgs = { params: { arch: 'unet', unetBase: 8, unetDepth: 2, imageSize: 64, batchSize: 4, epochs: 1 } };

describe('Fine-tune Model… also trains the click model', function () {
  this.timeout(600_000);
  let api: SegLabApi;
  let root: string;
  let dataset: DatasetState;
  const failures: string[] = [];

  before(async function () {
    if (serviceUnavailable()) return this.skip();
    api = await seglab();
    api.onDidReportFailure((message) => failures.push(message));
    root = mkdtempSync(join(tmpdir(), 'seglab-click-finetune-'));
    makeShapesDataset(root, 12, 2);
    const config = vscode.workspace.getConfiguration('seglab.training');
    await config.update('python', PYTHON, vscode.ConfigurationTarget.Global);
    await config.update('backendUrl', `http://127.0.0.1:${await freePort()}`, vscode.ConfigurationTarget.Global);
    await config.update('alsoTrainClickModel', true, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('seglab.startBackend');
    const opened = await vscode.commands.executeCommand<DatasetState | undefined>('seglab.openDataset', vscode.Uri.file(root));
    assert.ok(opened);
    dataset = opened;
    await api.whenIdle();
  });

  after(async () => {
    if (!root) return;
    const config = vscode.workspace.getConfiguration('seglab.training');
    for (const key of SETTINGS) await config.update(key, undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('seglab.removeDataset', vscode.Uri.file(root));
    rmSync(root, { recursive: true, force: true });
  });

  const fineTune = () => vscode.commands.executeCommand('seglab.fineTune', vscode.Uri.file(root), ARGS);

  it('installs the segmentation model as the pre-labeling model and the clicks card as the Smart Select model', async () => {
    await fineTune();
    assert.deepEqual(failures, []);
    const active = await api.models.active();
    assert.ok(active, 'a pre-labeling model is active');
    assert.match(active.name, /^shapes-unet-\d{8}T\d{4}/);
    assert.doesNotMatch(active.name, /clicks/);
    const smart = await api.models.activePromptable();
    assert.ok(smart, 'a Smart Select model is active');
    assert.equal(smart.auto, false, 'chosen, not the first by name');
    assert.match(smart.name, /^shapes-unet-clicks-\d{8}T\d{4}/);
    assert.equal(smart.uri.fsPath, join(root, 'models', `${smart.name}.json`));
    assert.ok(smart.card.family === 'clicks', `family ${smart.card.family}`);
    assert.equal(smart.card.model.file, `${smart.name}.onnx`, 'the card names the stored file');
    const onnx = readFileSync(join(root, 'models', smart.card.model.file));
    assert.equal(smart.card.model.sha256, createHash('sha256').update(onnx).digest('hex'));
    const raw = JSON.parse(readFileSync(smart.uri.fsPath, 'utf8')) as { training: { task: string; job: string; backend: string } };
    assert.equal(raw.training.task, 'interactive');
    // The click model's file is not listed as a pre-labeling model.
    assert.ok(!(await api.models.list()).some((m) => m.name === smart.name));
  });

  it('reports a failed click job with its reason and keeps the new pre-labeling model', async () => {
    const smartBefore = (await api.models.activePromptable())?.uri.toString();
    const previous = api.models.activeName;
    // Every labeled region shrinks to 2x2 pixels: the pre-labeling model still trains, the click model has nothing to click on.
    const tiny = new Uint8Array(64 * 64);
    tiny[10 * 64 + 10] = tiny[10 * 64 + 11] = tiny[11 * 64 + 10] = tiny[11 * 64 + 11] = 1;
    for (const e of dataset.index?.images ?? []) if (e.mask) writeFile(join(root, e.mask), indexedMask(64, 64, tiny));
    await vscode.commands.executeCommand('seglab.refresh');
    await api.whenIdle();
    await fineTune();
    assert.equal(failures.length, 1, failures.join('\n'));
    assert.match(failures[0], /the click model was not trained: job [0-9a-f]{8} failed: .*nothing to click on.*The new pre-labeling model stays installed/s);
    const active = await api.models.active();
    assert.ok(active && active.name !== previous, `a new pre-labeling model is active: ${active?.name ?? 'none'}`);
    assert.match(active.name, /^shapes-unet-\d{8}T\d{4}/);
    assert.equal((await api.models.activePromptable())?.uri.toString(), smartBefore, 'the Smart Select model is unchanged');
  });
});
