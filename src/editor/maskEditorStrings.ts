import * as vscode from 'vscode';
import type { MaskEditorStrings } from '../core/protocol';

/**
 * The mask editor webview's strings for its Init message. Each placeholder is passed as its own
 * value, so it reaches the webview unformatted whatever the translation does with it.
 */
export function maskEditorStrings(): MaskEditorStrings {
  return {
    maskOf: vscode.l10n.t('Mask of {0}', '{0}'),
    cannotOpen: vscode.l10n.t('Cannot open the mask editor: {0}', '{0}'),
    editRefused: vscode.l10n.t('Edit refused: {0}', '{0}'),
    preLabeled: vscode.l10n.t('Pre-labeled with {0} in {1} ms: {2} pixels changed · C toggles the low-confidence hatching', '{0}', '{1}', '{2}'),
  };
}
