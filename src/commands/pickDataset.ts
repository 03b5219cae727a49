import * as vscode from 'vscode';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { DatasetState } from '../dataset/datasetState';
import type { TreeNode } from '../dataset/treeNodes';

/** A command's target: the tree node it was run on, a folder URI, the only dataset, or the user's pick. */
export async function pickDataset(
  registry: DatasetRegistry,
  target: TreeNode | vscode.Uri | undefined,
  placeHolder: string,
): Promise<DatasetState | undefined> {
  if (target instanceof vscode.Uri) return registry.get(target) ?? (await registry.open(target));
  if (target && 'dataset' in target) return target.dataset;
  const datasets = registry.datasets;
  if (datasets.length <= 1) return datasets[0];
  const picked = await vscode.window.showQuickPick(
    datasets.map((dataset) => ({
      label: dataset.name,
      description: dataset.uri.scheme === 'file' ? dataset.uri.fsPath : dataset.uri.toString(),
      dataset,
    })),
    { placeHolder },
  );
  return picked?.dataset;
}
