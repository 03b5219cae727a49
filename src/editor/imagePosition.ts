import * as vscode from 'vscode';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { TreeNode } from '../dataset/treeNodes';
import { imageInDataset, type ImageInDataset } from './imageInDataset';
import type { MaskEditorProvider } from './maskEditorProvider';
import { NAVIGATION_COMMANDS } from './navigateImages';

/**
 * Where the active mask editor's image is: a status bar item with its place in the dataset and how
 * many images are left to label, and its row selected in the Dataset tree when that is visible
 * (as the Explorer follows the active file).
 */
export function showImagePosition(editors: MaskEditorProvider, registry: DatasetRegistry, tree: vscode.TreeView<TreeNode>): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('seglab.imagePosition', vscode.StatusBarAlignment.Right, 100);
  item.name = vscode.l10n.t('SegLab Image Position');
  item.command = NAVIGATION_COMMANDS.nextUnlabeled;
  /** Where the active editor's image is in the tree's index, if the tree shows it. */
  const locate = () => {
    const context = editors.activeDocument?.model.context;
    return context && imageInDataset(registry, context);
  };
  const update = (found: ImageInDataset | undefined): void => {
    if (!found) {
      item.hide();
      return;
    }
    const { index, position } = found;
    const unlabeled = index.images.filter((e) => !e.mask).length;
    item.text = vscode.l10n.t('$(file-media) {0} / {1} · {2} unlabeled', position + 1, index.images.length, unlabeled);
    item.tooltip = vscode.l10n.t(
      'Image {0} of {1} in {2}. Click or press Alt+Shift+PageDown for the next unlabeled image; Alt+PageDown / Alt+PageUp for the next / previous.',
      position + 1,
      index.images.length,
      index.config.name,
    );
    item.show();
  };
  const reveal = ({ dataset, index, position }: ImageInDataset): void => {
    const node: TreeNode = { kind: 'image', dataset, entry: index.images[position], position };
    // The tree may be re-rendering after a save; a reveal that loses that race is harmless.
    tree.reveal(node, { select: true, focus: false }).then(undefined, () => undefined);
  };
  return vscode.Disposable.from(
    item,
    editors.onDidChangeActive(() => {
      const found = locate();
      update(found);
      if (found && tree.visible) reveal(found);
    }),
    registry.onDidChange(() => update(locate())),
  );
}
