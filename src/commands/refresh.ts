import type * as vscode from 'vscode';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { TreeNode } from '../dataset/treeNodes';

/** "Refresh Dataset": the dataset it was run on, or every dataset (looking for new ones too). */
export async function refresh(registry: DatasetRegistry, target?: TreeNode | vscode.Uri): Promise<void> {
  const dataset = target && 'dataset' in target ? target.dataset : undefined;
  await (dataset ? registry.reload(dataset, 'user') : registry.reloadAll());
}
