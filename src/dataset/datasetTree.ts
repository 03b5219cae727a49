import * as vscode from 'vscode';
import type { DatasetRegistry } from './datasetRegistry';
import { countStatuses, emptyCounts, formatCounts } from './statusCounts';
import { treeItem } from './treeItems';
import { datasetChildren, imageNodes, parentOf, problemNodes, type TreeNode } from './treeNodes';

export const DATASET_VIEW = 'seglab.datasets';

/**
 * The Dataset view. Children are built on demand from the in-memory index (at most one page of
 * 1,000 images at a time), so a 100,000-image dataset costs nothing until it is expanded.
 */
export class DatasetTreeProvider implements vscode.TreeDataProvider<TreeNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly registry: DatasetRegistry) {}

  refresh(): void {
    this.changed.fire();
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return treeItem(node, this.registry.datasets.length);
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!node) return this.registry.datasets.map((dataset) => ({ kind: 'dataset', dataset }));
    switch (node.kind) {
      case 'dataset':
        return datasetChildren(node.dataset);
      case 'page':
        return imageNodes(node.dataset, node.start, node.end);
      case 'problems':
        return problemNodes(node.dataset);
      default:
        return [];
    }
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return parentOf(node);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Creates the view and keeps its header (totals over all datasets) in step with the registry. */
export function createDatasetView(registry: DatasetRegistry): {
  provider: DatasetTreeProvider;
  view: vscode.TreeView<TreeNode>;
  disposable: vscode.Disposable;
} {
  const provider = new DatasetTreeProvider(registry);
  const view = vscode.window.createTreeView(DATASET_VIEW, { treeDataProvider: provider, showCollapseAll: true });
  const update = (): void => {
    const totals = emptyCounts();
    for (const dataset of registry.datasets) if (dataset.index) countStatuses(dataset.index.images, totals);
    view.description = registry.datasets.length > 0 ? formatCounts(totals) : undefined;
    view.message = registry.discovering && registry.datasets.length === 0 ? vscode.l10n.t('Looking for datasets…') : undefined;
    provider.refresh();
  };
  update();
  return { provider, view, disposable: vscode.Disposable.from(registry.onDidChange(update), view, provider) };
}
