/**
 * "Pre-label Image" on WebGPU in the mask editor's webview: MaskEditorProvider.runModel sends
 * RunModel and waits for the ModelResult with the same request id. The model travels as a webview
 * URI when its folder is one of the panel's resource roots (the dataset, the workspace folders),
 * else as bytes (a `seglab.models` folder elsewhere). Cancelling posts CancelModel and stops
 * waiting; a late answer is dropped.
 */
import * as vscode from 'vscode';
import type { ImagePrediction } from '../core/model/imagePrediction';
import { readCard } from '../core/model/load';
import { baseName } from '../core/paths';
import { MessageType, toArrayBuffer, type CapabilitiesMessage, type RunModelMessage } from '../core/protocol';
import { webgpuRefusal } from '../core/model/webgpuPlacement';
import type { MaskEditorProvider } from '../editor/maskEditorProvider';
import { sha256Hex } from '../core/hash';
import type { ModelEntry } from './modelRegistry';

export interface WebviewPrediction extends ImagePrediction {
  defaults: string[];
}

/** Why a model runs in the extension host rather than on WebGPU in this editor (setting `seglab.webgpu`); undefined: the webview runs it. */
export const webgpuRefusalFor = (capabilities: CapabilitiesMessage | undefined) =>
  webgpuRefusal(vscode.workspace.getConfiguration('seglab').get<string>('webgpu', 'auto'), capabilities);

/** Whether the webview may fetch `uri` (it lies in one of its localResourceRoots). */
export function underRoots(uri: vscode.Uri, roots: readonly vscode.Uri[]): boolean {
  return roots.some((r) => r.scheme === uri.scheme && r.authority === uri.authority && uri.path.startsWith(r.path.endsWith('/') ? r.path : `${r.path}/`));
}

/**
 * The model, sha256 and card as RunModel carries them. The file is hashed on every run, so the
 * webview's session cache never serves a replaced file; a card written for another export is
 * left to the host path, whose loader reports it.
 */
async function runModelMessage(panel: vscode.WebviewPanel, model: ModelEntry): Promise<Omit<RunModelMessage, 'requestId'>> {
  const found = await readCard(model.fs, model.path);
  const bytes = await model.fs.readFile(model.path);
  const hash = await sha256Hex(bytes);
  if (found?.card.sha256 && found.card.sha256 !== hash) throw new Error(`${found.path}: the card's sha256 does not match ${baseName(model.path)}`);
  const fetchable = underRoots(model.uri, panel.webview.options.localResourceRoots ?? []);
  return {
    type: MessageType.RunModel,
    modelName: baseName(model.path),
    sha256: hash,
    ...(fetchable ? { modelUri: panel.webview.asWebviewUri(model.uri).toString() } : { modelBytes: toArrayBuffer(bytes) }),
    ...(found ? { card: found.card, cardPath: found.path } : {}),
  };
}

/** Runs `model` in the panel's webview; throws the webview's error, or a CancellationError when `token` fires. */
export async function predictInWebview(
  editors: MaskEditorProvider,
  panel: vscode.WebviewPanel,
  model: ModelEntry,
  token: vscode.CancellationToken,
): Promise<WebviewPrediction> {
  const result = await editors.runModel(panel, await runModelMessage(panel, model), token);
  if ('error' in result) throw new Error(result.error);
  const { width, height, provider, milliseconds, defaults } = result;
  return { width, height, labels: new Uint8Array(result.labels), confidence: new Uint8Array(result.confidence), provider, milliseconds, defaults };
}
