import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { DatasetState } from '../../src/dataset/datasetState';
import type { SegLabApi } from '../../src/extension';
import { DiskProvider, TEST_SCHEME } from './diskProvider';
import { FIXTURE } from './fixture';
import { seglab } from './helpers';

describe('A dataset on a non-file file system (as under Remote, WSL or a virtual workspace)', () => {
  let api: SegLabApi;
  let folder: vscode.Uri;
  let dataset: DatasetState | undefined;
  before(async () => {
    api = await seglab();
    vscode.workspace.registerFileSystemProvider(TEST_SCHEME, new DiskProvider());
    const outside = process.env.SEGLAB_TEST_OUTSIDE;
    assert.ok(outside, 'SEGLAB_TEST_OUTSIDE is not set');
    folder = vscode.Uri.from({ scheme: TEST_SCHEME, path: join(dirname(outside), FIXTURE.virtual.folder) });
    dataset = await vscode.commands.executeCommand<DatasetState | undefined>('seglab.openDataset', folder);
    await api.whenIdle();
  });

  it('is indexed and validated through workspace.fs', () => {
    assert.equal(dataset?.error, undefined);
    assert.equal(dataset?.index?.layout, 'voc');
    const statuses = dataset?.index?.images.map((e) => `${e.stem}:${e.status}`).sort();
    assert.deepEqual(statuses, ['a:labeled', 'b:invalid', 'c:unlabeled']);
  });

  it('writes seglab.json atomically through workspace.fs', async () => {
    const written = await vscode.commands.executeCommand<vscode.Uri | undefined>('seglab.createConfig', folder);
    assert.equal(written?.toString(), vscode.Uri.joinPath(folder, 'seglab.json').toString());
    const names = readdirSync(folder.path);
    assert.ok(names.includes('seglab.json'));
    assert.deepEqual(
      names.filter((n) => n.endsWith('.tmp')),
      [],
      'no temporary file left',
    );
    assert.equal(api.datasets.find((d) => d.key === folder.toString())?.index?.layout, 'seglab');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
