import * as assert from 'node:assert/strict';
import { before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { DatasetState } from '../../src/dataset/datasetState';
import type { SegLabApi } from '../../src/extension';
import { FIXTURE } from './fixture';
import { datasetNamed, datasetNode, eventually, seglab, workspaceFolder } from './helpers';

/** Set by scripts/run-vscode-tests.mjs: the dataset folder outside the workspace. */
function outsideFolder(): vscode.Uri {
  const path = process.env.SEGLAB_TEST_OUTSIDE;
  assert.ok(path, 'SEGLAB_TEST_OUTSIDE is not set');
  return vscode.Uri.file(path);
}

describe('Commands', () => {
  let api: SegLabApi;
  before(async () => {
    api = await seglab();
  });

  it('are all registered, each contributed under the SegLab category', async () => {
    const registered = await vscode.commands.getCommands(true);
    const contributed: Array<{ command: string; category?: string }> = vscode.extensions.getExtension('seglab.seglab')!.packageJSON.contributes.commands;
    assert.ok(contributed.length >= 20, `${contributed.length} commands contributed`);
    for (const { command, category } of contributed) {
      assert.ok(registered.includes(command), `${command} is contributed but not registered`);
      assert.equal(category, 'SegLab', command);
    }
  });

  it('Open Dataset adds a folder outside the workspace', async () => {
    const dataset = await vscode.commands.executeCommand<DatasetState | undefined>('seglab.openDataset', outsideFolder());
    assert.equal(dataset?.name, FIXTURE.outside.name);
    await api.whenIdle();
    assert.equal(datasetNamed(api, FIXTURE.outside.name).index?.images.length, FIXTURE.outside.images);
  });

  it('Open Dataset on a folder that is no dataset keeps it with an error naming it', async () => {
    const folder = vscode.Uri.joinPath(workspaceFolder(), FIXTURE.notDataset.folder);
    const dataset = await vscode.commands.executeCommand<DatasetState | undefined>('seglab.openDataset', folder);
    assert.ok(dataset?.error, 'an error');
    assert.ok(dataset.error.message.includes(folder.path), dataset.error.message);
  });

  it('Remove Dataset from View takes out opened datasets only', async () => {
    const folder = vscode.Uri.joinPath(workspaceFolder(), FIXTURE.notDataset.folder);
    // Opened here, not by the test before: each test runs on its own.
    await vscode.commands.executeCommand('seglab.openDataset', folder);
    assert.equal(await vscode.commands.executeCommand('seglab.removeDataset', folder), true);
    assert.ok(!api.datasets.some((d) => d.uri.toString() === folder.toString()));
    assert.equal(await vscode.commands.executeCommand('seglab.removeDataset', datasetNode(api, FIXTURE.voc.folder)), false);
    assert.ok(api.datasets.some((d) => d.name === FIXTURE.voc.folder));
  });

  it('a broken seglab.json is reported on the dataset with the file', async () => {
    await vscode.commands.executeCommand('seglab.openDataset', outsideFolder());
    await api.whenIdle();
    const config = vscode.Uri.joinPath(outsideFolder(), 'seglab.json');
    const good = await vscode.workspace.fs.readFile(config);
    await vscode.workspace.fs.writeFile(config, new TextEncoder().encode('{ "name": "x", "ignoreindex": 3 }'));
    try {
      await vscode.commands.executeCommand('seglab.refresh', datasetNode(api, FIXTURE.outside.name));
      const dataset = api.datasets.find((d) => d.uri.toString() === outsideFolder().toString());
      assert.match(dataset?.error?.message ?? '', /seglab\.json: unknown key "ignoreindex"/);
      assert.equal(dataset?.error?.file?.path, config.path);
    } finally {
      await vscode.workspace.fs.writeFile(config, good);
    }
    await eventually(() => assert.equal(datasetNamed(api, FIXTURE.outside.name).error, undefined), 20_000);
  });

  it('Create Dataset Config writes seglab.json from what was detected', async () => {
    const node = datasetNode(api, FIXTURE.cvat.folder);
    assert.equal(datasetNamed(api, FIXTURE.cvat.folder).index?.layout, 'cvat');
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('seglab.createConfig', node);
    const expected = vscode.Uri.joinPath(workspaceFolder(), FIXTURE.cvat.folder, 'seglab.json');
    assert.equal(written?.path, expected.path);
    const json = JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(expected)));
    assert.equal(json.imagesDir, 'JPEGImages');
    assert.equal(json.masksDir, 'SegmentationClass');
    assert.deepEqual(
      json.classes.map((c: { name: string }) => c.name),
      ['background', 'road', 'car', 'person'],
    );
    assert.deepEqual(json.splits, { default: 'ImageSets/Segmentation/default.txt' });
    assert.equal(datasetNamed(api, FIXTURE.cvat.folder).index?.layout, 'seglab');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Refresh Dataset re-reads every dataset', async () => {
    await api.whenIdle();
    // A re-read gives each dataset a new index: the same object afterwards means it was not read.
    const before = new Map(api.datasets.map((d) => [d.key, d.index]));
    assert.ok([...before.values()].filter(Boolean).length >= 2, 'at least two datasets were read');
    await vscode.commands.executeCommand('seglab.refresh');
    await api.whenIdle();
    assert.deepEqual(api.datasets.map((d) => d.key).sort(), [...before.keys()].sort());
    assert.ok(api.datasets.every((d) => !d.loading));
    for (const d of api.datasets) if (before.get(d.key)) assert.notEqual(d.index, before.get(d.key), `${d.name} was not read again`);
  });
});
