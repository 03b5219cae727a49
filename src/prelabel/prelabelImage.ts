/**
 * "SegLab: Pre-label Image": the active model on the image of the focused mask editor, applied
 * as one undoable edit of its mask ("Pre-label Image" in Edit > Undo). It runs on WebGPU in the
 * editor's webview when `seglab.webgpu` lets it (a hardware adapter, by default), else (or when that run fails) in the
 * extension host with HostPredictor (native ONNX Runtime: single-threaded WASM in a webview is
 * several times slower). Both results take the same path: checked against the mask, one edit,
 * one Prediction message with the provider and time for the status line. The mask file is only
 * written when the person saves.
 */
import * as vscode from 'vscode';
import { checkPrediction, prelabelEdit, type ImagePrediction } from '../core/model/imagePrediction';
import { MessageType, toArrayBuffer, type CapabilitiesMessage } from '../core/protocol';
import type { DatasetRegistry } from '../dataset/datasetRegistry';
import type { MaskDocument } from '../editor/maskDocument';
import type { MaskEditorProvider } from '../editor/maskEditorProvider';
import { baseName } from '../core/paths';
import { hostProviderLabel, type HostPredictor } from './hostPredictor';
import type { ModelEntry, ModelRegistry } from './modelRegistry';
import { predictInWebview, webgpuRefusalFor } from './webPrelabel';
import { errorMessage } from '../core/errors';

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
  const target = editors.activePanel;
  if (!target) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Open an image in the SegLab Mask Editor to pre-label it.'));
    return;
  }
  const model = (await models.active()) ?? (await askForModel(models));
  if (model) await prelabelPanel(editors, registry, models, predictor, target, model);
}

/** Runs `model` on the image of one mask editor panel and applies the prediction as one edit. */
export async function prelabelPanel(
  editors: MaskEditorProvider,
  registry: DatasetRegistry,
  models: ModelRegistry,
  predictor: HostPredictor,
  target: { document: MaskDocument; panel: vscode.WebviewPanel; capabilities?: CapabilitiesMessage },
  model: ModelEntry,
): Promise<void> {
  const { document, panel, capabilities } = target;
  const name = baseName(document.uri.path);
  const prediction = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Pre-labeling {0}', name), cancellable: true },
    async (_progress, token) => {
      let fallback = '';
      const refusal = webgpuRefusalFor(capabilities);
      if (refusal) predictor.log.info(`Pre-label Image: ${document.uri.fsPath} in the extension host: ${refusal}`);
      else {
        try {
          const p = await predictInWebview(editors, panel, model, token);
          for (const d of p.defaults) predictor.log.info(`${model.uri.fsPath}: default used: ${d}`);
          checkPrediction(p, document.mask, document.model.context.config, `${name} (prediction from the webview)`);
          models.recordRun({ provider: p.provider, secondsPerImage: p.milliseconds / 1000 });
          return p;
        } catch (error) {
          if (token.isCancellationRequested) return undefined;
          predictor.log.warn(
            `Pre-label Image: WebGPU in the editor failed on ${document.uri.fsPath} (${errorMessage(error)}); running on the CPU in the extension host instead`,
          );
          fallback = ' after WebGPU failed (see the SegLab log)';
        }
      }
      const controller = new AbortController();
      const sub = token.onCancellationRequested(() => controller.abort());
      try {
        const dataset = registry.get(document.rootUri) ?? (await registry.open(document.rootUri));
        const { prediction: p, loaded, seconds } = await predictor.predictImage(dataset, document.uri.path, controller.signal);
        const host = { ...p, provider: hostProviderLabel(loaded.backend.provider) + fallback, milliseconds: seconds * 1000 };
        checkPrediction(host, document.mask, document.model.context.config, document.uri.fsPath);
        return host;
      } catch (error) {
        if (token.isCancellationRequested) return undefined;
        throw error;
      } finally {
        sub.dispose();
      }
    },
  );
  if (prediction) applyImagePrediction(editors, document, prediction, model);
}

async function askForModel(models: ModelRegistry): Promise<ModelEntry | undefined> {
  const select = vscode.l10n.t('Select Model');
  const choice = await vscode.window.showWarningMessage(vscode.l10n.t('No model is selected for pre-labeling.'), select);
  return choice === select && (await vscode.commands.executeCommand('seglab.selectModel')) ? models.active() : undefined;
}

/** The one way a checked prediction reaches the mask: one "Pre-label Image" edit, the confidence to every panel. */
function applyImagePrediction(editors: MaskEditorProvider, document: MaskDocument, prediction: ImagePrediction, model: Pick<ModelEntry, 'name'>): void {
  const { config } = document.model.context;
  const settings = prelabelSettings();
  const name = baseName(document.uri.path);
  const edit = prelabelEdit(document.mask, prediction, { ...config, replace: settings.replace, minConfidence: Math.round(settings.minConfidence * 255) });
  if (edit) editors.applyHostEdit(document, PRELABEL_EDIT_LABEL, edit.delta);
  editors.postAll(document, {
    type: MessageType.Prediction,
    width: prediction.width,
    height: prediction.height,
    confidence: toArrayBuffer(prediction.confidence),
    threshold: Math.round((settings.minConfidence || DEFAULT_UNCERTAIN) * 255),
    provider: prediction.provider,
    milliseconds: prediction.milliseconds,
    changedPixels: edit?.changedPixels ?? 0,
  });
  if (!edit) {
    void vscode.window.showInformationMessage(
      settings.replace
        ? vscode.l10n.t('{0} already matches the prediction of {1}.', name, model.name)
        : vscode.l10n.t('{0}: the prediction of {1} changes no unlabeled pixel (set "seglab.prelabel.replaceLabels" to overwrite labels).', name, model.name),
    );
  }
}
