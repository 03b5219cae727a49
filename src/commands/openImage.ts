import * as vscode from 'vscode';
import { isImageNode, type ImageNode } from '../dataset/treeNodes';

export const OPEN_IMAGE_COMMAND = 'seglab.openImage';

/**
 * Opens a dataset image: the one place that decides how, so the mask editor can take over by
 * changing this function only. Accepts a tree image node (click, context menu) or a file URI.
 */
export async function openImage(target: ImageNode | vscode.Uri | undefined): Promise<void> {
  const uri = imageUri(target);
  if (!uri) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Select an image in the SegLab Dataset view to open it.'));
    return;
  }
  await vscode.commands.executeCommand('vscode.openWith', uri, 'seglab.maskEditor');
}

export function imageUri(target: ImageNode | vscode.Uri | undefined): vscode.Uri | undefined {
  if (target instanceof vscode.Uri) return target;
  if (isImageNode(target)) return target.dataset.resolve(target.entry.image);
  return undefined;
}
