/**
 * "SegLab: Next Image", "Previous Image" and "Next Unlabeled Image": move the focused mask editor
 * through its dataset in the Dataset tree's order, saving the mask first (setting
 * `seglab.editor.saveOnNavigate`), and replacing the editor's tab rather than piling up tabs.
 */
import * as vscode from 'vscode';
import { loadDataset } from '../core/dataset/datasetIndex';
import { stepFrom, type Step } from '../core/dataset/navigate';
import { joinPath } from '../core/paths';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import { imageInDataset, positionOf } from './imageInDataset';
import { MASK_EDITOR_VIEW_TYPE, type MaskEditorProvider } from './maskEditorProvider';

export const NAVIGATION_COMMANDS: Record<Step, string> = {
  next: 'seglab.nextImage',
  previous: 'seglab.previousImage',
  nextUnlabeled: 'seglab.nextUnlabeledImage',
};

export async function navigate(editors: MaskEditorProvider, registry: DatasetRegistry, step: Step): Promise<void> {
  const active = editors.activePanel;
  if (!active) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Open an image in the SegLab Mask Editor first.'));
    return;
  }
  const { document, panel } = active;
  const { root, imagePath } = document.model.context;
  // The tree's index (kept fresh by its watcher), or the dataset read now if the tree does not show it.
  const index = imageInDataset(registry, document.model.context)?.index ?? (await loadDataset(document.fs, root));
  const from = positionOf(index, imagePath);
  if (from < 0)
    throw new Error(vscode.l10n.t('{0} is not among the images of {1}; refresh the dataset ("SegLab: Refresh Dataset").', imagePath, index.config.name));
  const target = stepFrom(index.images, from, step);
  if (!target) {
    const name = index.config.name;
    void vscode.window.showInformationMessage(
      step === 'next'
        ? vscode.l10n.t('This is the last image of {0}.', name)
        : step === 'previous'
          ? vscode.l10n.t('This is the first image of {0}.', name)
          : vscode.l10n.t('{0} has no other unlabeled image.', name),
    );
    return;
  }
  if (document.dirty && vscode.workspace.getConfiguration('seglab.editor').get<boolean>('saveOnNavigate', true)) {
    if (!(await vscode.workspace.save(document.uri))) throw new Error(vscode.l10n.t('{0} was not saved; staying on it.', document.maskUri.fsPath));
  }
  const column = panel.viewColumn;
  await vscode.commands.executeCommand('vscode.openWith', document.fs.uri(joinPath(root, target.image)), MASK_EDITOR_VIEW_TYPE, { viewColumn: column });
  // The previous image's tab goes unless it still holds unsaved edits (saveOnNavigate off).
  const group = vscode.window.tabGroups.all.find((g) => g.viewColumn === column);
  const old = group?.tabs.find(
    (t) => t.input instanceof vscode.TabInputCustom && t.input.viewType === MASK_EDITOR_VIEW_TYPE && t.input.uri.toString() === document.uri.toString(),
  );
  if (old && !old.isDirty) await vscode.window.tabGroups.close(old, true);
}
