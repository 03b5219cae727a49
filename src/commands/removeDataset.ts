import * as vscode from 'vscode';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { TreeNode } from '../dataset/treeNodes';
import { pickDataset } from './pickDataset';

/** "Remove Dataset from View": undoes "Open Dataset…". Datasets found in the workspace folders stay. */
export async function removeDataset(registry: DatasetRegistry, target?: TreeNode | vscode.Uri): Promise<boolean> {
  const dataset = target instanceof vscode.Uri ? registry.get(target) : await pickDataset(registry, target, vscode.l10n.t('Dataset to remove from the view'));
  if (!dataset) return false;
  if (await registry.close(dataset)) return true;
  void vscode.window.showInformationMessage(
    vscode.l10n.t('{0} is in the workspace, so it stays in the Dataset view. Only datasets added with "Open Dataset…" can be removed.', dataset.name),
  );
  return false;
}
