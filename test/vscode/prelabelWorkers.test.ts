/**
 * Pre-label Dataset with a pool of worker threads (`seglab.prelabel.workers`: 2) in the real
 * extension host: the same prediction files and manifest, byte for byte, as one session (1).
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { SegLabApi } from '../../src/extension';
import { copyModel, makeDataset } from '../prelabel/fixtures';
import { testModelsDir } from '../model/testModels';
import { datasetNode, seglab } from './helpers';

describe('Pre-label Dataset with worker threads', function () {
  this.timeout(300_000);
  let api: SegLabApi;
  let root: string;
  const config = () => vscode.workspace.getConfiguration('seglab.prelabel');

  before(async () => {
    api = await seglab();
    root = mkdtempSync(join(tmpdir(), 'seglab-workers-'));
    makeDataset(root, 6, 1);
    copyModel(await testModelsDir(), 'unet', join(root, 'models'));
  });

  after(async () => {
    await config().update('workers', undefined, vscode.ConfigurationTarget.Global);
    if (root) await vscode.commands.executeCommand('seglab.removeDataset', vscode.Uri.file(root));
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const run = async (workers: number) => {
    await config().update('workers', workers, vscode.ConfigurationTarget.Global);
    rmSync(join(root, 'predictions'), { recursive: true, force: true });
    await vscode.commands.executeCommand('seglab.prelabelDataset', datasetNode(api, 'prelabel-test'), { onlyUnlabeled: false, where: 'here' });
    const dir = join(root, 'predictions', 'unet');
    return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));
  };

  it('writes the same PNGs and manifest with 2 workers as with one session', async () => {
    await vscode.commands.executeCommand('seglab.openDataset', vscode.Uri.file(root));
    await api.whenIdle();
    const model = (await api.models.list()).find((m) => m.name === 'unet' && m.uri.fsPath.startsWith(root));
    assert.ok(model, 'the test model is listed');
    await api.models.setActive(model);
    const single = await run(1);
    assert.equal(Object.keys(single).filter((f) => f.endsWith('.png')).length, 6);
    assert.deepEqual(await run(2), single);
  });
});
