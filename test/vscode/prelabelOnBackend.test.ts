/**
 * "Pre-label Dataset" on the training backend, in the extension, against the real local backend
 * ("SegLab: Start Local Training Backend" with Debian's PyTorch): once a backend token is stored
 * the command can run there, and the masks it writes to predictions/<model>/ are the bytes a
 * local `seglab prelabel` writes, with their manifest records.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import { writeFile } from '../core/dataset/fixtures';
import { freePort, makeShapesDataset, PYTHON, serviceUnavailable } from '../training/fixtures';
import { seglab } from './helpers';

const SETTINGS = ['python', 'backendUrl'];
let root: string;

describe('Pre-label Dataset on the training backend', function () {
  this.timeout(300_000);
  let extensionPath: string;

  before(async function () {
    if (serviceUnavailable()) return this.skip();
    const api = await seglab();
    extensionPath = vscode.extensions.getExtension('seglab.seglab')!.extensionPath;
    root = mkdtempSync(join(tmpdir(), 'seglab-remote-prelabel-'));
    makeShapesDataset(root, 6, 4);
    const out = join(root, 'run');
    const train = ['-m', 'seglab_trainer', 'train', '--data', root, '--out', out, '--arch', 'unet', '--unet-base', '8', '--unet-depth', '2'];
    const run = spawnSync(PYTHON, [...train, '--image-size', '64', '--batch-size', '4', '--epochs', '2'], {
      cwd: join(extensionPath, 'backend'),
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    writeFile(join(root, 'models', 'remote.onnx'), readFileSync(join(out, 'model.onnx')));
    writeFile(join(root, 'models', 'remote.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')), name: 'remote' }));
    rmSync(out, { recursive: true, force: true });
    const config = vscode.workspace.getConfiguration('seglab.training');
    await config.update('python', PYTHON, vscode.ConfigurationTarget.Global);
    await config.update('backendUrl', `http://127.0.0.1:${await freePort()}`, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('seglab.startBackend');
    assert.ok(await vscode.commands.executeCommand('seglab.openDataset', vscode.Uri.file(root)));
    await api.whenIdle();
    const model = (await api.models.list()).find((m) => m.name === 'remote');
    assert.ok(model, 'the model is listed');
    await api.models.setActive(model);
  });

  after(async () => {
    if (!root) return;
    const config = vscode.workspace.getConfiguration('seglab.training');
    for (const key of SETTINGS) await config.update(key, undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('seglab.removeDataset', vscode.Uri.file(root));
    rmSync(root, { recursive: true, force: true });
  });

  it('writes the masks of a local run into predictions/<model>/, with their records', async () => {
    await vscode.commands.executeCommand('seglab.prelabelDataset', vscode.Uri.file(root), { onlyUnlabeled: true, where: 'backend' });
    const remote = join(root, 'predictions', 'remote');
    const local = join(root, 'local');
    const cli = spawnSync(
      'node',
      [join(extensionPath, 'dist', 'cli.js'), 'prelabel', root, '--model', join(root, 'models', 'remote.onnx'), '--only-unlabeled', '--out', local],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(cli.status, 0, cli.stderr);
    const pngs = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.png')) : []).sort();
    assert.equal(pngs(remote).length, 4, 'every unlabeled image has a mask from the backend');
    assert.deepEqual(pngs(remote), pngs(local));
    for (const name of pngs(remote)) assert.deepEqual(readFileSync(join(remote, name)), readFileSync(join(local, name)), name);
    const records = (dir: string) => JSON.parse(readFileSync(join(dir, '.seglab-model.json'), 'utf8')).images;
    assert.deepEqual(records(remote), records(local));
  });
});
