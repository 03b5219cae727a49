import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { DatasetState } from '../../src/dataset/datasetState';
import type { SegLabApi } from '../../src/extension';
import { jpegImage, makeVoc, writeFile } from '../core/dataset/fixtures';
import { DiskProvider } from './diskProvider';
import { children, datasetNode, rendered, seglab } from './helpers';

/** DiskProvider that reports symbolic links as VS Code's own disk provider does (File | SymbolicLink). */
class LinkReportingProvider extends DiskProvider {
  override async readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    const listed = await super.readDirectory(uri);
    const links = new Set((await readdir(uri.path, { withFileTypes: true })).filter((d) => d.isSymbolicLink()).map((d) => d.name));
    return listed.map(([name, type]) => [name, links.has(name) ? type | vscode.FileType.SymbolicLink : type]);
  }
}

describe('Links in a dataset that lead outside it', () => {
  let api: SegLabApi;
  let dir: string;
  before(async () => {
    api = await seglab();
    dir = mkdtempSync(join(tmpdir(), 'seglab-links-'));
    makeVoc(join(dir, 'linked'), [{ stem: 'a' }]);
    writeFile(join(dir, 'secret.jpg'), jpegImage(4, 4));
    symlinkSync(join(dir, 'secret.jpg'), join(dir, 'linked', 'JPEGImages', 'leak.jpg'));
    symlinkSync(join(dir, 'linked', 'JPEGImages', 'a.jpg'), join(dir, 'linked', 'JPEGImages', 'inside.jpg'));
    vscode.workspace.registerFileSystemProvider('seglablinks', new LinkReportingProvider(), { isReadonly: true });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('file: a link out of the dataset is a tree problem and no image; one inside it is followed', async () => {
    const dataset = await vscode.commands.executeCommand<DatasetState | undefined>('seglab.openDataset', vscode.Uri.file(join(dir, 'linked')));
    await api.whenIdle();
    assert.deepEqual(
      dataset?.index?.images.map((e) => e.stem),
      ['a', 'inside'],
    );
    assert.deepEqual(
      dataset?.index?.problems.map((p) => [p.path, p.kind]),
      [[join(dir, 'linked', 'JPEGImages', 'leak.jpg'), 'outside-link']],
    );
    const problems = children(api, datasetNode(api, dataset!.name)).find((n) => n.kind === 'problems');
    assert.ok(problems, 'a Problems node');
    assert.deepEqual(
      children(api, problems).map((n) => rendered(api, n).description),
      ['link outside the dataset'],
    );
    assert.equal(await vscode.commands.executeCommand('seglab.removeDataset', vscode.Uri.file(join(dir, 'linked'))), true);
  });

  it('other schemes: workspace.fs cannot resolve a link, so no link is followed', async () => {
    const folder = vscode.Uri.from({ scheme: 'seglablinks', path: join(dir, 'linked') });
    const dataset = await vscode.commands.executeCommand<DatasetState | undefined>('seglab.openDataset', folder);
    await api.whenIdle();
    assert.deepEqual(
      dataset?.index?.images.map((e) => e.stem),
      ['a'],
    );
    assert.deepEqual(dataset?.index?.problems.map((p) => [p.kind, p.message]).sort(), [
      ['outside-link', 'a symbolic link that cannot be resolved; not followed'],
      ['outside-link', 'a symbolic link that cannot be resolved; not followed'],
    ]);
    assert.equal(await vscode.commands.executeCommand('seglab.removeDataset', folder), true);
  });
});
