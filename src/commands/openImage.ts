import * as vscode from 'vscode';
import { isImageNode, type ImageNode } from '../dataset/treeNodes';
import type { MaskEditorProvider } from '../editor/maskEditorProvider';

export const OPEN_IMAGE_COMMAND = 'seglab.openImage';

/** How the mIoU view opens an image: with the layer of pixels where `model`'s prediction and the label differ. */
export interface OpenImageOptions {
  showDisagreement?: boolean;
  model?: string;
}

/**
 * Opens a dataset image in the mask editor. Accepts a tree image node (click, context menu) or a
 * file URI; `options` come from other commands and extensions, so their types are checked.
 */
export async function openImage(editors: MaskEditorProvider, target: ImageNode | vscode.Uri | undefined, options?: OpenImageOptions): Promise<void> {
  const uri = imageUri(target);
  if (!uri) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Select an image in the SegLab Dataset view to open it.'));
    return;
  }
  await vscode.commands.executeCommand('vscode.openWith', uri, 'seglab.maskEditor');
  if (options?.showDisagreement !== true || typeof options.model !== 'string') return;
  const document = await editors.documentOf(uri);
  if (!document) throw new Error(vscode.l10n.t('{0} did not open in the mask editor.', uri.fsPath));
  await editors.showDisagreement(document, options.model);
}

export function imageUri(target: ImageNode | vscode.Uri | undefined): vscode.Uri | undefined {
  if (target instanceof vscode.Uri) return target;
  if (isImageNode(target)) return target.dataset.resolve(target.entry.image);
  return undefined;
}
