import * as vscode from 'vscode';
import { MASK_EDITOR_VIEW_TYPE, MaskEditorProvider } from './maskEditorProvider';

export const OPEN_IN_MASK_EDITOR_COMMAND = 'seglab.openInMaskEditor';

/**
 * Registers the mask editor and "SegLab: Open in Mask Editor" (explorer context menu or the active image);
 * returns the provider for commands acting on the active editor.
 */
export function registerMaskEditor(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): MaskEditorProvider {
  const provider = new MaskEditorProvider(context.extensionUri, log);
  context.subscriptions.push(
    vscode.window.registerCustomEditorProvider(MASK_EDITOR_VIEW_TYPE, provider, {
      webviewOptions: { retainContextWhenHidden: true },
      supportsMultipleEditorsPerDocument: true,
    }),
    vscode.commands.registerCommand(OPEN_IN_MASK_EDITOR_COMMAND, async (uri?: vscode.Uri) => {
      const target = uri instanceof vscode.Uri ? uri : activeImageUri();
      if (!target) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Select an image in the Explorer or the SegLab Dataset view to open it in the Mask Editor.'));
        return;
      }
      await vscode.commands.executeCommand('vscode.openWith', target, MASK_EDITOR_VIEW_TYPE);
    }),
  );
  return provider;
}

function activeImageUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri : undefined;
}
