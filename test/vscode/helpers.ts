/** Reaching the extension and its tree from tests running inside VS Code. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DatasetState } from '../../src/dataset/datasetState';
import type { TreeNode } from '../../src/dataset/treeNodes';
import type { SegLabApi } from '../../src/extension';

export async function seglab(): Promise<SegLabApi> {
  const extension = vscode.extensions.getExtension<SegLabApi>('seglab.seglab');
  assert.ok(extension, 'the SegLab extension is not installed in the test instance');
  const api = await extension.activate();
  await api.whenIdle();
  return api;
}

export function datasetNamed(api: SegLabApi, name: string): DatasetState {
  const dataset = api.datasets.find((d) => d.name === name);
  assert.ok(dataset, `no dataset "${name}" among ${api.datasets.map((d) => d.name).join(', ')}`);
  return dataset;
}

export function workspaceFolder(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need the fixture workspace open');
  return folder.uri;
}

/** A node as the user sees it: label and description. */
export function rendered(api: SegLabApi, node: TreeNode): { label: string; description: string; id: string; contextValue: string } {
  const item = api.tree.getTreeItem(node);
  const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
  return { label, description: String(item.description ?? ''), id: item.id ?? '', contextValue: item.contextValue ?? '' };
}

export function datasetNode(api: SegLabApi, name: string): TreeNode {
  const node = api.tree.getChildren().find((n) => n.kind === 'dataset' && n.dataset.name === name);
  assert.ok(node, `no tree node for dataset "${name}"`);
  return node;
}

export function children(api: SegLabApi, node: TreeNode): TreeNode[] {
  return api.tree.getChildren(node);
}

/** Polls `check` until it passes (file watchers are asynchronous and debounced). */
export async function eventually(check: () => void, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
