/**
 * "SegLab: Show Disagreement with Prediction…": in the focused mask editor, marks the pixels where
 * a model's prediction of the image (predictions/<model>/<stem>.png) and the mask differ. Picks
 * among the models that predicted this image, the active model first.
 */
import * as vscode from 'vscode';
import { baseName, joinPath, stemOf } from '../core/paths';
import type { MaskEditorProvider } from './maskEditorProvider';

export const SHOW_DISAGREEMENT_COMMAND = 'seglab.showDisagreement';

export async function showDisagreement(editors: MaskEditorProvider, activeModel: string | undefined): Promise<void> {
  const document = editors.activeDocument;
  if (!document) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Open an image in the SegLab Mask Editor to compare it with a prediction.'));
    return;
  }
  const { context } = document.model;
  const folder = joinPath(context.root, context.config.predictionsDir);
  const file = `${stemOf(baseName(context.imagePath))}.png`;
  const entries = await document.fs.readDirectory(folder).catch(() => []);
  const models: string[] = [];
  for (const [name, type] of entries) {
    if (type === 'directory' && (await document.fs.stat(joinPath(folder, name, file)))?.type === 'file') models.push(name);
  }
  if (models.length === 0) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('No model has predicted {0} yet: run "SegLab: Pre-label Dataset" first.', baseName(context.imagePath)),
    );
    return;
  }
  models.sort((a, b) => Number(b === activeModel) - Number(a === activeModel) || a.localeCompare(b));
  const model =
    models.length === 1
      ? models[0]
      : (
          await vscode.window.showQuickPick(
            models.map((label) => ({ label, description: label === activeModel ? vscode.l10n.t('active model') : undefined })),
            {
              title: vscode.l10n.t('Compare {0} with the prediction of', baseName(context.imagePath)),
            },
          )
        )?.label;
  if (model) await editors.showDisagreement(document, model);
}
