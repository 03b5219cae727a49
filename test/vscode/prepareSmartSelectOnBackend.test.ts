/**
 * "Prepare Smart Select for Dataset" on the training backend, in the extension, against the real local
 * backend ("SegLab: Start Local Training Backend", whose shards run the encoder with `seglab embed`): with
 * the known-answer SAM pair as the Smart Select model, the embeddings the backend computes land in the
 * extension's disk cache as the very files the host's encoder writes (`seglab embed`), a run here then
 * finds every image cached, and the first click on an image is served from that disk cache
 * (`seglab click --cache` on the extension's cache folder: "embeddings": "disk").
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { PrepareReport } from '../../src/smartSelect/prepareSmartSelect';
import { promptableModelsDir } from '../model/testModels';
import { freePort, makeShapesDataset, PYTHON, serviceUnavailable } from '../training/fixtures';
import { datasetNode, seglab } from './helpers';

const SETTINGS = ['python', 'backendUrl'];
const IMAGES = 5;

describe('Prepare Smart Select on the training backend', function () {
  this.timeout(300_000);
  let root: string;
  let cli: string;
  let card: string;
  /** The cache entries this suite made: removed after it, as later suites count their encoder's entries (the same pair). */
  const made: string[] = [];

  before(async function () {
    if (serviceUnavailable()) return this.skip();
    const api = await seglab();
    cli = join(vscode.extensions.getExtension('seglab.seglab')!.extensionPath, 'dist', 'cli.js');
    root = mkdtempSync(join(tmpdir(), 'seglab-remote-embeddings-'));
    makeShapesDataset(join(root, 'shapes'), 2, IMAGES - 2);
    const downloads = join(root, 'downloads');
    mkdirSync(downloads);
    const models = await promptableModelsDir();
    for (const part of ['encoder', 'decoder']) copyFileSync(join(models, `sam_test.${part}.onnx`), join(downloads, `sam_test.${part}.onnx`));
    const config = vscode.workspace.getConfiguration('seglab.training');
    await config.update('python', PYTHON, vscode.ConfigurationTarget.Global);
    await config.update('backendUrl', `http://127.0.0.1:${await freePort()}`, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('seglab.startBackend');
    assert.ok(await vscode.commands.executeCommand('seglab.openDataset', vscode.Uri.file(join(root, 'shapes'))));
    await api.whenIdle();
    const files = ['encoder', 'decoder'].map((p) => vscode.Uri.file(join(downloads, `sam_test.${p}.onnx`)));
    await vscode.commands.executeCommand('seglab.addModel', datasetNode(api, 'shapes'), { files, name: 'sam-remote' });
    card = join(root, 'shapes', 'models', 'sam-remote.json');
    assert.equal((await api.models.activePromptable())?.name, 'sam-remote');
  });

  after(async () => {
    for (const file of made) rmSync(file, { force: true });
    if (!root) return;
    const config = vscode.workspace.getConfiguration('seglab.training');
    for (const key of SETTINGS) await config.update(key, undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('seglab.removeDataset', vscode.Uri.file(join(root, 'shapes')));
    rmSync(root, { recursive: true, force: true });
  });

  it('puts the host encoder’s embeddings into the disk cache, and the first click reads them from there', async () => {
    const prepare = (where: 'here' | 'backend') =>
      vscode.commands.executeCommand<PrepareReport>('seglab.prepareSmartSelect', vscode.Uri.file(join(root, 'shapes')), { images: 'all', where });
    const remote = await prepare('backend');
    assert.deepEqual([remote.computed, remote.cached, remote.failed, remote.cancelled], [IMAGES, 0, [], false]);
    assert.match(remote.ranOn, /job [0-9a-f]{32}, succeeded, cpu\)$/);

    const host = join(root, 'host');
    const ref = spawnSync('node', [cli, 'embed', join(root, 'shapes'), '--model', card, '--cache', host], { encoding: 'utf8' });
    assert.equal(ref.status, 0, ref.stderr);
    const ours = readdirSync(host).sort();
    assert.equal(ours.length, IMAGES);
    made.push(...ours.map((name) => join(remote.cacheFolder, name)));
    for (const name of ours) assert.deepEqual(readFileSync(join(remote.cacheFolder, name)), readFileSync(join(host, name)), name);

    const here = await prepare('here');
    assert.deepEqual([here.computed, here.cached, here.ranOn], [0, IMAGES, 'host']);
    const image = join(root, 'shapes', 'images', 'shape04.png');
    const click = spawnSync(
      'node',
      [cli, 'click', image, '--model', card, '--points', '10,10,1', '--out', join(root, 'm.png'), '--cache', remote.cacheFolder, '--json'],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(click.status, 0, click.stderr);
    assert.equal(JSON.parse(click.stdout).embeddings, 'disk');
  });
});
