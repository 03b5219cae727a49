import * as vscode from 'vscode';
import { joinPath } from '../core/paths';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { MaskEditorProvider } from './maskEditorProvider';
import { NAVIGATION_COMMANDS } from './navigateImages';

/** A status bar item while a mask editor is active: where its image is in the dataset, and how many are left to label. */
export function showImagePosition(editors: MaskEditorProvider, registry: DatasetRegistry): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('seglab.imagePosition', vscode.StatusBarAlignment.Right, 100);
  item.name = vscode.l10n.t('SegLab Image Position');
  item.command = NAVIGATION_COMMANDS.nextUnlabeled;
  const update = (): void => {
    const context = editors.activeDocument?.model.context;
    const index = context && registry.datasets.find((d) => d.index?.root === context.root)?.index;
    const at = index ? index.images.findIndex((e) => joinPath(index.root, e.image) === context.imagePath) : -1;
    if (!index || at < 0) {
      item.hide();
      return;
    }
    const unlabeled = index.images.filter((e) => !e.mask).length;
    item.text = vscode.l10n.t('$(file-media) {0} / {1} · {2} unlabeled', at + 1, index.images.length, unlabeled);
    item.tooltip = vscode.l10n.t('Image {0} of {1} in {2}. Click or press Alt+Shift+PageDown for the next unlabeled image; Alt+PageDown / Alt+PageUp for the next / previous.', at + 1, index.images.length, index.config.name);
    item.show();
  };
  return vscode.Disposable.from(item, editors.onDidChangeActive(update), registry.onDidChange(update));
}
