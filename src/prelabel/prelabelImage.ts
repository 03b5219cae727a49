/**
 * "SegLab: Pre-label Image": the active model on the image of the focused mask editor, applied
 * as one undoable edit of its mask ("Pre-label Image" in Edit > Undo). Runs in the extension
 * host with HostPredictor (native ONNX Runtime); the mask file is only written when the person
 * saves.
 */
import * as vscode from 'vscode';
import { predictionEdit } from '../core/model/applyPrediction';
import { MessageType, toArrayBuffer } from '../core/protocol';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { MaskEditorProvider } from '../editor/maskEditorProvider';
import { baseName } from '../core/paths';
import { backgroundId } from '../../webview/prelabel/prelabelImage';
import type { HostPredictor } from './hostPredictor';
import type { ModelRegistry } from './modelRegistry';

export const PRELABEL_IMAGE_COMMAND = 'seglab.prelabelImage';
export const PRELABEL_EDIT_LABEL = 'Pre-label Image';
/** Overlay threshold when `seglab.prelabel.minConfidence` is 0 (the editor's slider changes it). */
const DEFAULT_UNCERTAIN = 0.4;

export interface PrelabelSettings {
  replace: boolean;
  /** 0-1. */
  minConfidence: number;
}

export function prelabelSettings(): PrelabelSettings {
  const config = vscode.workspace.getConfiguration('seglab.prelabel');
  const min = config.get<number>('minConfidence', 0);
  return { replace: config.get<boolean>('replaceLabels', false), minConfidence: Number.isFinite(min) ? Math.min(1, Math.max(0, min)) : 0 };
}

export async function prelabelImage(editors: MaskEditorProvider, registry: DatasetRegistry, models: ModelRegistry, predictor: HostPredictor): Promise<void> {
  const document = editors.activeDocument;
  if (!document) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Open an image in the SegLab Mask Editor to pre-label it.'));
    return;
  }
  if (!(await models.active())) {
    const select = vscode.l10n.t('Select Model');
    const choice = await vscode.window.showWarningMessage(vscode.l10n.t('No model is selected for pre-labeling.'), select);
    if (choice !== select || !(await vscode.commands.executeCommand('seglab.selectModel'))) return;
  }
  const dataset = registry.get(document.rootUri) ?? (await registry.open(document.rootUri));
  const { config } = document.model.context;
  const settings = prelabelSettings();
  const name = baseName(document.uri.path);
  const run = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Pre-labeling {0}', name), cancellable: true },
    async (_progress, token) => {
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      try {
        return await predictor.predictImage(dataset, document.uri.path, controller.signal);
      } finally {
        sub.dispose();
      }
    },
  );
  const { prediction, loaded, seconds } = run;
  const mask = document.mask;
  if (prediction.width !== mask.width || prediction.height !== mask.height) {
    throw new Error(`${document.uri.fsPath}: the prediction is ${prediction.width}x${prediction.height}, the mask ${mask.width}x${mask.height}`);
  }
  const bg = backgroundId(config.classes);
  const edit = predictionEdit(mask, prediction.labels, prediction.confidence, {
    unlabeledValues: bg === undefined ? [config.ignoreIndex] : [bg, config.ignoreIndex],
    replace: settings.replace,
    minConfidence: Math.round(settings.minConfidence * 255),
  });
  if (edit) editors.applyHostEdit(document, PRELABEL_EDIT_LABEL, edit.delta);
  editors.postAll(document, {
    type: MessageType.Prediction,
    width: prediction.width,
    height: prediction.height,
    confidence: toArrayBuffer(prediction.confidence),
    threshold: Math.round((settings.minConfidence || DEFAULT_UNCERTAIN) * 255),
    provider: loaded.backend.provider,
    milliseconds: seconds * 1000,
    changedPixels: edit?.changedPixels ?? 0,
  });
  if (!edit) {
    void vscode.window.showInformationMessage(
      settings.replace
        ? vscode.l10n.t('{0} already matches the prediction of {1}.', name, loaded.model.name)
        : vscode.l10n.t('{0}: the prediction of {1} changes no unlabeled pixel (set "seglab.prelabel.replaceLabels" to overwrite labels).', name, loaded.model.name),
    );
  }
}
