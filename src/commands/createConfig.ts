import * as vscode from 'vscode';
import { CONFIG_FILE, configToJson } from '../core/dataset/config';
import { joinPath } from '../core/paths';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { TreeNode } from '../dataset/treeNodes';
import { pickDataset } from './pickDataset';
import { errorMessage } from '../core/errors';

/**
 * "Create Dataset Config": writes seglab.json with what was detected (layout folders, classes,
 * splits) so it can be edited. An existing file is only replaced after the user confirms.
 * Returns the file written, or undefined when nothing was written.
 */
export async function createConfig(registry: DatasetRegistry, log: vscode.LogOutputChannel, target?: TreeNode | vscode.Uri): Promise<vscode.Uri | undefined> {
  const dataset = await pickDataset(registry, target, vscode.l10n.t('Dataset to write seglab.json for'));
  if (!dataset) return undefined;
  const index = dataset.index;
  if (!index) {
    const reason = dataset.error?.message ?? vscode.l10n.t('it has not been read yet');
    void vscode.window.showErrorMessage(vscode.l10n.t('SegLab: cannot create a config for {0}: {1}', dataset.name, reason));
    return undefined;
  }
  const path = joinPath(dataset.uri.path, CONFIG_FILE);
  const uri = dataset.fs.uri(path);
  try {
    if (await dataset.fs.stat(path)) {
      const overwrite = vscode.l10n.t('Overwrite');
      const answer = await vscode.window.showWarningMessage(
        vscode.l10n.t('{0} already exists. Replace it with the detected settings?', uri.scheme === 'file' ? uri.fsPath : uri.toString()),
        { modal: true },
        overwrite,
      );
      if (answer !== overwrite) return undefined;
    }
    await dataset.fs.writeFileAtomic(path, new TextEncoder().encode(configToJson(index.config)));
  } catch (error) {
    log.error(`Writing ${uri.toString()} failed: ${errorMessage(error)}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('SegLab: {0}', errorMessage(error)));
    return undefined;
  }
  log.info(`Wrote ${uri.toString()}`);
  await registry.reload(dataset, 'user');
  await vscode.window.showTextDocument(uri, { preview: false });
  return uri;
}
