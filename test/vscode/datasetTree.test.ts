import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import * as vscode from 'vscode';
import type { SegLabApi } from '../../src/extension';
import { FIXTURE } from './fixture';
import { children, datasetNamed, datasetNode, eventually, rendered, seglab, workspaceFolder } from './helpers';

describe('Dataset tree', () => {
  let api: SegLabApi;
  before(async () => {
    api = await seglab();
  });

  it('finds the datasets of the workspace', () => {
    const names = api.datasets.map((d) => d.name);
    for (const name of [FIXTURE.plain.name, FIXTURE.voc.folder, FIXTURE.big.folder]) assert.ok(names.includes(name), `${name} in ${names}`);
    assert.equal(datasetNamed(api, FIXTURE.voc.folder).index?.layout, 'voc');
    assert.equal(datasetNamed(api, FIXTURE.plain.name).index?.layout, 'seglab');
  });

  it('shows counts and validated statuses', () => {
    const { label, description, contextValue } = rendered(api, datasetNode(api, FIXTURE.plain.name));
    const p = FIXTURE.plain;
    assert.equal(label, p.name);
    assert.equal(contextValue, 'seglab.dataset');
    assert.match(
      description,
      new RegExp(`${p.images} images · ${p.labeled} labeled · ${p.unlabeled} unlabeled · ${p.predicted} predicted · ${p.invalid} invalid`),
    );
    const images = children(api, datasetNode(api, p.name)).filter((n) => n.kind === 'image');
    const byLabel = new Map(images.map((n) => [rendered(api, n).label, rendered(api, n)]));
    assert.equal(byLabel.get('img_0.png')?.description, 'labeled');
    assert.equal(byLabel.get('img_3.png')?.description, 'invalid');
    assert.equal(byLabel.get('img_4.png')?.description, 'unlabeled');
    assert.equal(byLabel.get('img_5.png')?.description, 'predicted · unet', 'the status and the models that predicted it');
    assert.equal(byLabel.get('img_0.png')?.contextValue, 'seglab.image');
  });

  it('lists the problems of a dataset', () => {
    const problems = children(api, datasetNode(api, FIXTURE.plain.name)).find((n) => n.kind === 'problems');
    assert.ok(problems, 'a Problems node');
    const kinds = children(api, problems)
      .map((n) => rendered(api, n).description)
      .sort();
    assert.deepEqual(kinds, ['orphan mask', 'size mismatch']);
  });

  it('groups more than 1,000 images into pages', () => {
    const pages = children(api, datasetNode(api, FIXTURE.big.folder));
    assert.deepEqual(
      pages.map((n) => rendered(api, n).label),
      ['1–1000', '1001–2000', '2001–2500'],
    );
    const last = children(api, pages[2]);
    assert.equal(last.length, 500);
    assert.equal(rendered(api, last[499]).label, 'img_02499.png');
    assert.deepEqual(api.tree.getParent(last[0]), pages[2]);
  });

  it('gives tree items stable ids', () => {
    const first = children(api, datasetNode(api, FIXTURE.plain.name)).map((n) => rendered(api, n).id);
    const again = children(api, datasetNode(api, FIXTURE.plain.name)).map((n) => rendered(api, n).id);
    assert.deepEqual(first, again);
    assert.equal(new Set(first).size, first.length);
  });

  it('opens an image from the tree', async () => {
    const image = children(api, datasetNode(api, FIXTURE.plain.name)).find((n) => n.kind === 'image');
    assert.ok(image);
    const item = api.tree.getTreeItem(image);
    assert.equal(item.command?.command, 'seglab.openImage');
    await vscode.commands.executeCommand(item.command.command, ...(item.command.arguments ?? []));
    await eventually(() => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input as { uri?: vscode.Uri } | undefined;
      assert.equal(input?.uri?.path, vscode.Uri.joinPath(workspaceFolder(), FIXTURE.plain.folder, 'images', 'img_0.png').path);
    });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});

describe('File watching', () => {
  let api: SegLabApi;
  const root = () => vscode.Uri.joinPath(workspaceFolder(), FIXTURE.voc.folder);
  before(async () => {
    api = await seglab();
  });
  after(async () => {
    await vscode.workspace.fs.delete(vscode.Uri.joinPath(root(), 'SegmentationClass', 'c.png')).then(undefined, () => undefined);
  });

  it('refreshes the tree when a mask appears', async () => {
    const a = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(root(), 'SegmentationClass', 'a.png'));
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(root(), 'SegmentationClass', 'c.png'), a);
    await eventually(() => assert.match(rendered(api, datasetNode(api, FIXTURE.voc.folder)).description, /3 labeled · 0 unlabeled/));
  });

  it('checks a mask again when it changes', async () => {
    const mask = vscode.Uri.joinPath(root(), 'SegmentationClass', 'b.png');
    const good = await vscode.workspace.fs.readFile(mask);
    const statusOfB = () => {
      const b = children(api, datasetNode(api, FIXTURE.voc.folder)).find((n) => rendered(api, n).label === 'b.jpg');
      assert.ok(b, 'b.jpg in the tree');
      return rendered(api, b).description;
    };
    // The plain dataset's img_3 mask is one pixel wider than the VOC images.
    const wrongSize = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(workspaceFolder(), FIXTURE.plain.folder, 'masks', 'img_3.png'));
    await vscode.workspace.fs.writeFile(mask, wrongSize);
    await eventually(() => assert.equal(statusOfB(), 'invalid'));
    await vscode.workspace.fs.writeFile(mask, good);
    await eventually(() => assert.equal(statusOfB(), 'labeled'));
  });
});
