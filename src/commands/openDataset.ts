import * as vscode from 'vscode';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { DatasetState } from '../dataset/datasetState';
import { DATASET_VIEW } from '../dataset/datasetTree';

/**
 * "Open Dataset…": adds a folder (picked, or given as a URI by the explorer or a test) to the
 * Dataset view. A folder that is not a dataset stays listed with its error, so it can be fixed
 * and refreshed; the error message names the file at fault.
 */
export async function openDataset(registry: DatasetRegistry, folder?: vscode.Uri): Promise<DatasetState | undefined> {
  const uri =
    folder ??
    (
      await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        canSelectMany: false,
        defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
        openLabel: vscode.l10n.t('Open Dataset'),
        title: vscode.l10n.t('Open a dataset folder (seglab.json, VOC, CVAT export or images/ + masks/)'),
      })
    )?.[0];
  if (!uri) return undefined;
  const dataset = await registry.open(uri);
  await vscode.commands.executeCommand(`${DATASET_VIEW}.focus`);
  return dataset;
}
